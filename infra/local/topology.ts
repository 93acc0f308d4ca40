// The local lab as an ordered list of pieces, each a bash create script and its idempotent undo. Network
// namespaces stand in for the VPC, the EKS node and its pods, and the EC2 client; a wireguard-go mesh stands
// in for the tailnet.
import type { LabConfig } from '../../src/lab/config.ts';
import { kubeDnsPiece, netshootPiece, nginxPiece, nodePiece, vpcPiece } from './cluster-pieces.ts';
import { localPlan, PEERS, statePaths, type LocalPlan } from './plan.ts';
import { removePath, shq } from './shell.ts';
import { clientPiece, egressPiece, routerPiece } from './tailnet-pieces.ts';

export interface TopologyPiece {
  id: string;
  create: string[];
  destroy: string[];
}

export function localTopology(lab: LabConfig): TopologyPiece[] {
  const plan = localPlan(lab);
  return [
    statePiece(plan),
    vpcPiece(plan),
    nodePiece(plan),
    kubeDnsPiece(lab, plan),
    nginxPiece(plan),
    netshootPiece(lab, plan),
    routerPiece(lab, plan),
    clientPiece(lab, plan),
    egressPiece(plan),
  ];
}

/**
 * The script a provisioner runs for a piece's creation: stops at the first failure and then undoes the piece.
 */
export function createScript(piece: TopologyPiece): string {
  const undo = `echo "tslab: creating ${piece.id} failed; undoing it" >&2; tslab_undo`;
  return [
    'tslab_undo() {',
    ...piece.destroy.map((line) => `  ${line}`),
    '}',
    `trap 'status=$?; if [ "$status" -ne 0 ]; then ${undo}; fi' EXIT`,
    'set -euo pipefail',
    ...piece.create,
  ].join('\n');
}

export function destroyScript(piece: TopologyPiece): string {
  return [...piece.destroy, 'exit 0'].join('\n');
}

/** WireGuard keys for the three tailnet devices, in a directory only root can read. */
function statePiece(plan: LocalPlan): TopologyPiece {
  const dirs = ['', '/keys', '/run', '/log', '/etc'].map((sub) => shq(`${plan.stateDir}${sub}`));
  const keys = PEERS.map(
    (peer) =>
      `(umask 077; wg genkey >${shq(statePaths.privateKey(plan, peer))}) && ` +
      `wg pubkey <${shq(statePaths.privateKey(plan, peer))} >${shq(statePaths.publicKey(plan, peer))}`,
  );
  return {
    id: 'state',
    create: [`install -d -m 0700 ${dirs.join(' ')}`, ...keys],
    // /etc/netns and /var/run/wireguard stay: other labs may be creating entries in them at this very moment.
    destroy: [removePath(plan.stateDir)],
  };
}
