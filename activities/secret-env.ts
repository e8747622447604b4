/** Variables that hold credentials: Anthropic's and Temporal's, and any *_API_KEY, *_SECRET, *_TOKEN, *_PASSWORD… */
const SECRET_NAME = /^(ANTHROPIC_|TEMPORAL_)|(^|_)(API_?KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIALS?)(_|$)/i;

/** The environment without credentials: no variable with a secret's name, none whose value holds the API key. */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const key = process.env.ANTHROPIC_API_KEY;
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env))
    if (!SECRET_NAME.test(name) && !(key && value?.includes(key))) out[name] = value;
  return out;
}
