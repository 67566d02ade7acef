/** The `settlement.evm` config block as YAML text, as `contracts deploy` and `chain dev` print and write it. */
import type { EvmSection } from '../settlement/chains/evm/operator.js';

/** YAML lines of the `settlement:` block (its privateKey stays in AGENT_RUNTIME_EVM_PRIVATE_KEY). */
export function settlementYaml(evm: EvmSection, indent = ''): string[] {
  const q = (s: string): string => JSON.stringify(s);
  return [
    `${indent}settlement:`,
    `${indent}  enabled: true`,
    `${indent}  evm:`,
    `${indent}    rpcUrl: ${q(evm.rpcUrl)}`,
    `${indent}    chainId: ${evm.chainId}`,
    `${indent}    contract: ${q(evm.contract)}`,
    `${indent}    token: ${q(evm.token)}`,
    `${indent}    confirmations: ${evm.confirmations}`,
    `${indent}    # privateKey: from AGENT_RUNTIME_EVM_PRIVATE_KEY (the environment or .env next to the config)`,
  ];
}
