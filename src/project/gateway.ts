// One entry of `gateways:`. Checks that need every gateway (unique names and
// ports, known functions) are in validate.ts.
import { isMap, type Node } from 'yaml';
import { openItem, readChoice, readInteger, readName, readString, requiredWith } from './fields.js';
import { GATEWAY_KEYS, GATEWAY_TYPES, MAX_PORT, MIN_PORT } from './schema.js';
import { describe, type Entry, type ProjectSource } from './source.js';
import type { GatewaySpec } from './types.js';

/** What one `gateways:` item yielded: the spec when fully valid, and what the cross-checks need. */
export interface GatewayResult {
  spec?: GatewaySpec;
  label: string;
  name?: string;
  nameEntry?: Entry;
  port?: number;
  portEntry?: Entry;
  functionName?: string;
  functionEntry?: Entry;
}

const TYPE_HINT = `valid values for "type": ${GATEWAY_TYPES.join(', ')}`;
const PORT_HINT = `use a whole number from ${MIN_PORT} to ${MAX_PORT}`;
const FUNCTION_HINT = 'the name of a function under "functions"';

export function readGateway(src: ProjectSource, node: Node | null, index: number): GatewayResult {
  if (!isMap(node)) {
    src.report(node ?? 'start', `gateways[${index}] must be a map with name, type, port and function, not ${describe(node)}`);
    return { label: `gateways[${index}]` };
  }
  const item = openItem(src, node, 'gateway', index, GATEWAY_KEYS);
  const name = readName(item);
  const type = requiredWith(item, 'type', TYPE_HINT, (e) => readChoice(item, e, GATEWAY_TYPES));
  const port = requiredWith(item, 'port', PORT_HINT, (e) => readInteger(item, e, MIN_PORT, MAX_PORT));
  const functionName = requiredWith(item, 'function', FUNCTION_HINT, (e) => readString(item, e, FUNCTION_HINT));
  const { entries } = item;
  const result: GatewayResult = {
    label: item.label, name, nameEntry: entries.get('name'),
    port, portEntry: entries.get('port'), functionName, functionEntry: entries.get('function'),
  };
  if (name !== undefined && type !== undefined && port !== undefined && functionName !== undefined) {
    result.spec = { name, type, port, function: functionName };
  }
  return result;
}
