// A record id (or any short byte string) as lower-case hex: the key of a queued verification, and how
// the node compares ids of its own pending records.

export function hexId(id: Uint8Array): string {
  let text = '';
  for (let index = 0; index < id.length; index++) text += (id[index] < 16 ? '0' : '') + id[index].toString(16);
  return text;
}
