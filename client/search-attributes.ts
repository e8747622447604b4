import type { Client } from '@temporalio/client';
import { createAttributesCommand, SEARCH_ATTRIBUTE_NAMES } from '../core/search-attributes';

/** What the namespace lacks of Flotilla's search attributes (Keyword FlotillaRunId, FlotillaRepo, FlotillaState). */
export interface AttributeCheck {
  /** True when all three are registered as Keyword. */
  registered: boolean;
  missing: string[];
  /** Why the check could not be made (e.g. the credentials may not list them), if it could not. */
  error?: string;
}

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD */
const KEYWORD = 2;
const checked = new WeakMap<Client, Promise<AttributeCheck>>();

/** Asks the server which of Flotilla's search attributes the client's namespace has (once per client). */
export function checkSearchAttributes(client: Client): Promise<AttributeCheck> {
  let check = checked.get(client);
  if (!check) {
    check = (async (): Promise<AttributeCheck> => {
      try {
        const r = await client.connection.operatorService.listSearchAttributes({ namespace: client.options.namespace });
        const custom = r.customAttributes ?? {};
        const missing = SEARCH_ATTRIBUTE_NAMES.filter((n) => (custom[n] as number | undefined) !== KEYWORD);
        return { registered: missing.length === 0, missing };
      } catch (err) {
        return {
          registered: false,
          missing: [...SEARCH_ATTRIBUTE_NAMES],
          error: (err as Error).message.split('\n')[0],
        };
      }
    })();
    checked.set(client, check);
  }
  return check;
}

/** What to tell the user when the namespace lacks them: the run goes on without them, and how to register them. */
export function missingAttributesMessage(namespace: string, check: AttributeCheck): string {
  const why = check.error
    ? `could not list its search attributes (${check.error})`
    : `has no ${check.missing.join(', ')} search attribute${check.missing.length > 1 ? 's' : ''}`;
  return (
    `Note: namespace "${namespace}" ${why}, so runs go without Flotilla's search attributes (no filtering by run, repository or state in the Web UI, nor flotilla runs --state/--repo). ` +
    `Register them once with: ${createAttributesCommand(namespace, check.missing)}`
  );
}
