// Provisioning a board: the member id, the consortium's and aggregator's keys and the members known at
// start, as JSON the host writes to the board's flash (`provision.json`, docs/boards.md). Parsed
// defensively: a board with a missing or malformed file logs the code and stays idle.
import type { NodeConfig } from '../../firmware/node-api';
import { hexToBytes } from './start';

export function parseProvisioning(text: string | null, heapBytesBudget: number): { config: NodeConfig | null; code: string | null } {
  if (text === null) return { config: null, code: 'PROVISION_MISSING' };
  try {
    const data = JSON.parse(text);
    const members: { id: number; publicKey: Uint8Array; balance: number }[] = [];
    const list = data.members;
    for (let index = 0; index < list.length && index < 64; index++) {
      members.push({ id: list[index].id, publicKey: hexToBytes(list[index].public_key), balance: list[index].balance });
    }
    const config: NodeConfig = {
      memberId: data.member,
      heapBytesBudget: heapBytesBudget,
      consortiumPublicKey: hexToBytes(data.consortium_public_key),
      aggregatorPublicKey: hexToBytes(data.aggregator_public_key),
      tokenKey: hexToBytes(data.token_key),
      members: members,
    };
    if (typeof data.seed === 'string') config.seed = hexToBytes(data.seed);
    if (typeof data.tokens_required === 'number') config.tokensRequired = data.tokens_required;
    if (typeof data.slot_ms === 'number') config.slotMs = data.slot_ms;
    if (typeof data.hello_interval_ms === 'number') config.helloIntervalMs = data.hello_interval_ms;
    for (let index = 0; index < members.length; index++) if (members[index].id === config.memberId) config.publicKey = members[index].publicKey;
    if (typeof config.memberId !== 'number' || config.consortiumPublicKey.length !== 32 || config.aggregatorPublicKey.length !== 32 || config.tokenKey.length !== 32) {
      return { config: null, code: 'PROVISION_INVALID' };
    }
    return { config: config, code: null };
  } catch (error) {
    return { config: null, code: 'PROVISION_INVALID' };
  }
}
