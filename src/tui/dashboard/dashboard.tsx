import { Box } from 'ink';
import type { DashboardEndpoint } from '../source.js';
import type { ViewModel } from '../store/view-model.js';
import { Footer } from '../components/footer/footer.js';
import { Header } from '../components/header/header.js';
import { Help } from '../components/help/help.js';
import { ApprovalsPane } from '../components/approvals-pane/approvals-pane.js';
import type { ApprovalAsset, PendingApproval } from '../approvals/types.js';
import { PacketsPane } from '../components/packets-pane/packets-pane.js';
import { PeersPane } from '../components/peers-pane/peers-pane.js';
import { RoutesPane } from '../components/routes-pane/routes-pane.js';
import { SettlementsPane } from '../components/settlements-pane/settlements-pane.js';
import type { DashboardLayout } from './layout.js';
import type { UiState } from './use-dashboard-state.js';

export interface DashboardProps {
  readonly vm: ViewModel;
  readonly ui: UiState;
  readonly layout: DashboardLayout;
  readonly endpoints?: readonly DashboardEndpoint[];
  /** what the approvals pane shows, when the dashboard has approvals */
  readonly approvals?: { rows: readonly PendingApproval[]; note?: string; asset: ApprovalAsset; now: number };
}

/** The whole screen, render-only: header, peers, routes (when there are any and room), approvals (when any wait), packets, settlements (or the help), footer. */
export function Dashboard({ vm, ui, layout: l, endpoints, approvals }: DashboardProps) {
  return (
    <Box flexDirection="column" width={l.width} height={l.height}>
      <Header vm={vm} width={l.width} endpoints={endpoints} />
      {ui.help ? (
        <Help width={l.width} height={l.body} />
      ) : (
        <>
          <PeersPane peers={vm.peers} focused={ui.focus === 'peers'} width={l.width} rows={l.peerRows} scroll={ui.scroll.peers} />
          {l.routeRows > 0 && <RoutesPane routes={vm.routes} focused={ui.focus === 'routes'} width={l.width} rows={l.routeRows} scroll={ui.scroll.routes} />}
          {l.approvalsShown && approvals !== undefined && (
            <ApprovalsPane
              approvals={approvals.rows}
              asset={approvals.asset}
              note={approvals.note}
              focused={ui.focus === 'approvals'}
              width={l.width}
              rows={l.approvalRows}
              selected={ui.scroll.approvals ?? 0}
              now={approvals.now}
            />
          )}
          <PacketsPane
            packets={vm.packets}
            focused={ui.focus === 'packets'}
            paused={ui.paused}
            filter={ui.filter}
            width={l.width}
            rows={l.packetRows}
            scroll={ui.scroll.packets}
            assets={vm.assets}
          />
          <SettlementsPane
            activity={vm.activity}
            channels={vm.channels}
            totals={vm.settlement}
            focused={ui.focus === 'settlements'}
            width={l.width}
            rows={l.activityRows}
            scroll={ui.scroll.settlements}
          />
        </>
      )}
      <Footer draft={ui.draft} filter={ui.filter} paused={ui.paused} stopping={vm.stopping || ui.quit} width={l.width} />
    </Box>
  );
}
