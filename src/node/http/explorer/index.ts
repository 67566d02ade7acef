/** The explorer web UI, its JSON API and live stream (see server.ts). */
export { startExplorer, type Explorer, type ExplorerOptions } from './server.js';
export { EventStore, type EventPage, type EventQuery } from './event-store.js';
export { ChannelView, type ChannelInfo } from './channel-view.js';
export { PREVIEW_BYTES, type SendPreview } from './send-previews.js';
