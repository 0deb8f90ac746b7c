import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CONFIG_KEYS, loadConfig, type Environment } from '@hotswap/config';
import { loadGatewayConfig } from '../apps/gateway/src/gateway-config';

// The app's health routes: readiness gates traffic, liveness restarts a wedged process.
const READY_PATH = '/health/ready';
const LIVE_PATH = '/health/live';

const ROOT = path.join(__dirname, '..');

// ---- narrowing helpers for parsed YAML ----

type YamlMap = Readonly<Record<string, unknown>>;

function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks a dotted path (`spec.template.spec.containers.0`) and fails with the path when it is missing. */
function dig(root: unknown, dotted: string, where: string): unknown {
  let current = root;
  for (const key of dotted.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(key)) {
      current = current[Number(key)];
    } else if (isMap(current)) {
      current = current[key];
    } else {
      current = undefined;
    }
    if (current === undefined) throw new Error(`${where}: ${dotted} is missing`);
  }
  return current;
}

function asMap(value: unknown, where: string): YamlMap {
  if (!isMap(value)) throw new Error(`${where} must be a mapping`);
  return value;
}

function asList(value: unknown, where: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where} must be a list`);
  return value;
}

function asString(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where} must be a string`);
  return value;
}

function asInteger(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${where} must be an integer`);
  return value;
}

/** Kubernetes requires ConfigMap and Secret values to be strings, so a number here is a defect. */
function asStringMap(value: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(asMap(value, where))) out[key] = asString(v, `${where}.${key}`);
  return out;
}

function readText(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

function readYaml(relative: string): unknown {
  const docs = parseAllDocuments(readText(relative));
  if (!Array.isArray(docs) || docs.length !== 1)
    throw new Error(`${relative} must hold exactly one document`);
  const [doc] = docs;
  if (doc === undefined || doc.errors.length > 0) {
    throw new Error(`${relative} does not parse: ${doc?.errors.map((e) => e.message).join('; ')}`);
  }
  const value: unknown = doc.toJS();
  return value;
}

// ---- Dockerfile ----

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    // Docker ignores comment lines, including those inside a continued instruction.
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = `${pending}${line}`;
    pending = '';
    const match = /^(\S+)\s*([\s\S]*)$/.exec(full);
    if (match?.[1] !== undefined)
      instructions.push({ keyword: match[1].toUpperCase(), args: match[2] ?? '' });
  }
  return instructions;
}

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/s, '$1').replace(/^'(.*)'$/s, '$1');
}

/** `ENV A=1 B="two words"` and the legacy `ENV A 1` form. */
function parseEnvInstruction(args: string): Record<string, string> {
  const tokens = args.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  const [first, ...rest] = tokens;
  if (first === undefined) return {};
  if (!first.includes('=')) return { [first]: unquote(rest.join(' ')) };
  const out: Record<string, string> = {};
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq <= 0) throw new Error(`Dockerfile: cannot parse ENV token ${token}`);
    out[token.slice(0, eq)] = unquote(token.slice(eq + 1));
  }
  return out;
}

function healthUrl(text: string, where: string): URL {
  const match = /https?:\/\/[^\s'"`)]+/.exec(text);
  if (match === null) throw new Error(`${where}: no health check URL found`);
  return new URL(match[0]);
}

function urlPort(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

const dockerfile = parseDockerfile(readText('Dockerfile'));
const lastFrom = dockerfile.map((i) => i.keyword).lastIndexOf('FROM');
const runtimeStage = dockerfile.slice(lastFrom);
const dockerEnv: Record<string, string> = Object.assign(
  {},
  ...runtimeStage.filter((i) => i.keyword === 'ENV').map((i) => parseEnvInstruction(i.args)),
);

// ---- docker-compose.yml ----

const compose = readYaml('docker-compose.yml');
const composeApi = asMap(dig(compose, 'services.api', 'docker-compose.yml'), 'services.api');

/** Compose accepts a mapping (`KEY: value`) or a list (`- KEY=value`); scalars become strings. */
function composeEnvironment(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const entry of value) {
      const text = asString(entry, 'api.environment entry');
      const eq = text.indexOf('=');
      if (eq < 0) out[text] = '';
      else out[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return out;
  }
  for (const [key, v] of Object.entries(asMap(value, 'api.environment'))) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new Error(`api.environment.${key} must be a scalar`);
    }
    out[key] = String(v);
  }
  return out;
}

const composeRawEnv = composeEnvironment(dig(composeApi, 'environment', 'services.api'));

/** A value an operator would generate for a secret (`openssl rand -base64 48`). */
function generatedSecret(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * Compose interpolation as `docker compose` does it, with the operator's environment holding a
 * generated value for every required variable (`${NAME:?message}`) and nothing else.
 */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::?([?-])([^}]*))?\}/g, (_m, _name: string, op?: string, arg?: string) =>
    op === '?' ? generatedSecret() : (arg ?? ''),
  );
}

/** Variables compose requires from the operator's environment (`${NAME:?…}`). */
const composeRequired = Object.entries(composeRawEnv)
  .filter(([, v]) => /\$\{\w+:?\?/.test(v))
  .map(([k]) => k);
const composeEnv: Record<string, string> = Object.fromEntries(
  Object.entries(composeRawEnv).map(([k, v]) => [k, interpolate(v)]),
);

/** `"3000:3000"`, `"127.0.0.1:3000:3000/tcp"` or `{ target: 3000 }` → the container-side port. */
function containerPort(mapping: unknown): number {
  if (isMap(mapping)) return asInteger(mapping['target'], 'api.ports[].target');
  const text = typeof mapping === 'number' ? String(mapping) : asString(mapping, 'api.ports[]');
  const container = text.split('/')[0]?.split(':').pop();
  return Number(container);
}

/** Compose durations such as `30s`, `1m30s`, `1500ms`. */
function durationMs(value: unknown, where: string): number {
  const text = asString(value, where);
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001 };
  let total = 0;
  let consumed = '';
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)) {
    total += Number(match[1]) * (units[match[2] ?? ''] ?? NaN);
    consumed += match[0];
  }
  if (consumed !== text || consumed === '') throw new Error(`${where}: cannot parse duration ${text}`);
  return total;
}

// ---- k8s ----

const deployment = readYaml('k8s/deployment.yaml');
const service = readYaml('k8s/service.yaml');
const configMap = readYaml('k8s/configmap.yaml');
const secret = readYaml('k8s/secret.template.yaml');
const pdb = readYaml('k8s/pdb.yaml');
const gatewayDeployment = readYaml('k8s/gateway-deployment.yaml');
const gatewayService = readYaml('k8s/gateway-service.yaml');

const configMapData = asStringMap(dig(configMap, 'data', 'configmap.yaml'), 'ConfigMap data');
const secretData = asStringMap(dig(secret, 'stringData', 'secret.template.yaml'), 'Secret stringData');
const PLACEHOLDER = /\b(USER|PASSWORD|HOST|CHANGE_?ME|REPLACE_?ME|TOKEN|SECRET)\b/;

/** The Secret template filled in as its comment tells an operator to: placeholders replaced. */
function fillPlaceholders(data: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (URL.canParse(value)) {
      out[key] = value
        .replace(/\bUSER\b/, 'hotswap')
        .replace(/\bPASSWORD\b/, randomBytes(12).toString('hex'))
        .replace(/\bHOST\b/, 'postgres.internal');
    } else {
      out[key] = PLACEHOLDER.test(value) ? generatedSecret() : value;
    }
  }
  return out;
}

const k8sEnv: Environment = { ...configMapData, ...fillPlaceholders(secretData) };

/** Settings production refuses to start without; supplied at run time, never baked into an image. */
const RUNTIME_SECRETS = ['JWT_SECRET'];

const podSpec = asMap(dig(deployment, 'spec.template.spec', 'deployment.yaml'), 'pod spec');
const podLabels = asStringMap(
  dig(deployment, 'spec.template.metadata.labels', 'deployment.yaml'),
  'pod labels',
);
const containers = asList(podSpec['containers'], 'containers');
const apiContainer = asMap(containers[0], 'containers[0]');

function containerEnvNames(container: YamlMap): string[] {
  if (container['env'] === undefined) return [];
  return asList(container['env'], 'container env').map((e, i) =>
    asString(asMap(e, `env[${i}]`)['name'], `env[${i}].name`),
  );
}

/** A selector matches when it is non-empty and every one of its labels is on the pods. */
function expectSelects(selector: Record<string, string>): void {
  expect(Object.keys(selector).length).toBeGreaterThan(0);
  expect(podLabels).toMatchObject(selector);
}

function kind(doc: unknown, file: string): string {
  return asString(dig(doc, 'kind', file), `${file} kind`);
}

function name(doc: unknown, file: string): string {
  return asString(dig(doc, 'metadata.name', file), `${file} metadata.name`);
}

// ---- tests ----

describe('packaging files agree with the app', () => {
  const known = new Set<string>(CONFIG_KEYS);
  const defaultPort = loadConfig({}).port;

  it('starts the compiled form of the API entry point', () => {
    const cmd = readText('Dockerfile').match(/^CMD \[(.*)\]$/m)?.[1] ?? '';
    const script = (JSON.parse(`[${cmd}]`) as string[]).find((part) => part.endsWith('.js')) ?? '';
    expect(script).toMatch(/^dist\//);
    // The build writes dist/<path>.js for every <path>.ts of the source tree.
    const source = script.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(existsSync(path.join(ROOT, source))).toBe(true);
  });

  it('has the expected object kinds', () => {
    expect(kind(deployment, 'deployment.yaml')).toBe('Deployment');
    expect(kind(service, 'service.yaml')).toBe('Service');
    expect(kind(configMap, 'configmap.yaml')).toBe('ConfigMap');
    expect(kind(secret, 'secret.template.yaml')).toBe('Secret');
    expect(kind(pdb, 'pdb.yaml')).toBe('PodDisruptionBudget');
  });

  describe('environment variables are known settings', () => {
    it.each([
      ['Dockerfile ENV', Object.keys(dockerEnv)],
      ['compose api.environment', Object.keys(composeRawEnv)],
      ['ConfigMap data', Object.keys(configMapData)],
      ['Secret template stringData', Object.keys(secretData)],
      ['Deployment container env', containerEnvNames(apiContainer)],
    ])('%s', (_source, names) => {
      expect(names.filter((n) => !known.has(n))).toEqual([]);
    });

    it('each source actually sets something', () => {
      for (const env of [dockerEnv, composeEnv, configMapData, secretData]) {
        expect(Object.keys(env).length).toBeGreaterThan(0);
      }
    });
  });

  describe('values are valid configuration', () => {
    // toThrow's failure message includes InvalidConfigError's message, which lists every issue.
    // The image carries no secret: production settings are valid once the runtime supplies them.
    it('Dockerfile ENV plus the run-time secrets', () => {
      expect(() => loadConfig({ ...dockerEnv, JWT_SECRET: generatedSecret() })).not.toThrow();
    });
    it('compose api.environment', () => expect(() => loadConfig(composeEnv)).not.toThrow());
    it('ConfigMap + Secret template', () => expect(() => loadConfig(k8sEnv)).not.toThrow());
  });

  describe('ports', () => {
    it('the default port is 3000', () => expect(defaultPort).toBe(3000));

    it('Dockerfile EXPOSE and HEALTHCHECK use the port it sets', () => {
      const port = loadConfig({ ...dockerEnv, JWT_SECRET: generatedSecret() }).port;
      expect(port).toBe(defaultPort);
      const exposed = dockerfile
        .filter((i) => i.keyword === 'EXPOSE')
        .flatMap((i) => i.args.split(/\s+/))
        .map((p) => Number(p.split('/')[0]));
      expect(exposed).toEqual([port]);
      const healthchecks = runtimeStage.filter((i) => i.keyword === 'HEALTHCHECK');
      expect(healthchecks).toHaveLength(1);
      expect(urlPort(healthUrl(healthchecks[0]?.args ?? '', 'Dockerfile HEALTHCHECK'))).toBe(port);
    });

    it('compose maps the port the api listens on', () => {
      const port = loadConfig(composeEnv).port;
      expect(port).toBe(defaultPort);
      const ports = asList(composeApi['ports'], 'api.ports').map(containerPort);
      expect(ports).toEqual([port]);
      const test = dig(composeApi, 'healthcheck.test', 'services.api');
      const text = Array.isArray(test) ? test.map(String).join(' ') : asString(test, 'healthcheck.test');
      expect(urlPort(healthUrl(text, 'compose healthcheck'))).toBe(port);
    });

    it('the k8s container port is the configured port, named http, and the Service targets it', () => {
      const port = loadConfig(k8sEnv).port;
      expect(port).toBe(defaultPort);
      const ports = asList(apiContainer['ports'], 'container ports').map((p) => asMap(p, 'container port'));
      const http = ports.find((p) => p['name'] === 'http');
      expect(http).toBeDefined();
      expect(asInteger(http?.['containerPort'], 'containerPort')).toBe(port);

      const servicePorts = asList(dig(service, 'spec.ports', 'service.yaml'), 'service ports');
      expect(servicePorts).toHaveLength(1);
      const servicePort = asMap(servicePorts[0], 'service port');
      expect(servicePort['port']).toBe(80);
      expect(servicePort['targetPort']).toBe('http');
    });
  });

  describe('health checks use the app health routes', () => {
    it('readiness probe', () => {
      expect(dig(apiContainer, 'readinessProbe.httpGet.path', 'container')).toBe(READY_PATH);
      expect(dig(apiContainer, 'readinessProbe.httpGet.port', 'container')).toBe('http');
    });

    it('liveness probe', () => {
      expect(dig(apiContainer, 'livenessProbe.httpGet.path', 'container')).toBe(LIVE_PATH);
      expect(dig(apiContainer, 'livenessProbe.httpGet.port', 'container')).toBe('http');
    });

    it('Dockerfile HEALTHCHECK', () => {
      const args = runtimeStage.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
      expect(healthUrl(args, 'Dockerfile HEALTHCHECK').pathname).toBe(READY_PATH);
    });

    it('compose healthcheck', () => {
      const test = dig(composeApi, 'healthcheck.test', 'services.api');
      const text = Array.isArray(test) ? test.map(String).join(' ') : asString(test, 'healthcheck.test');
      expect(healthUrl(text, 'compose healthcheck').pathname).toBe(READY_PATH);
    });
  });

  describe('Dockerfile', () => {
    it('is multi-stage', () => {
      expect(dockerfile.filter((i) => i.keyword === 'FROM').length).toBeGreaterThanOrEqual(2);
    });

    it('runs the runtime stage as a non-root user', () => {
      const user = runtimeStage
        .filter((i) => i.keyword === 'USER')
        .pop()
        ?.args.trim();
      expect(user).toBeDefined();
      const account = user?.split(':')[0];
      expect(account).not.toBe('');
      expect(['root', '0']).not.toContain(account);
    });
  });

  describe('Kubernetes', () => {
    it('runs 2 replicas as non-root', () => {
      expect(dig(deployment, 'spec.replicas', 'deployment.yaml')).toBe(2);
      const podRunsAsNonRoot =
        isMap(podSpec['securityContext']) && podSpec['securityContext']['runAsNonRoot'];
      const containerRunsAsNonRoot =
        isMap(apiContainer['securityContext']) && apiContainer['securityContext']['runAsNonRoot'];
      expect(podRunsAsNonRoot === true || containerRunsAsNonRoot === true).toBe(true);
    });

    it('the Deployment, Service and PDB select the pod labels', () => {
      expectSelects(asStringMap(dig(deployment, 'spec.selector.matchLabels', 'deployment.yaml'), 'selector'));
      expectSelects(asStringMap(dig(service, 'spec.selector', 'service.yaml'), 'Service selector'));
      expectSelects(asStringMap(dig(pdb, 'spec.selector.matchLabels', 'pdb.yaml'), 'PDB selector'));
      expect(dig(pdb, 'spec.minAvailable', 'pdb.yaml')).toBe(1);
    });

    it('takes its environment from the ConfigMap and the Secret', () => {
      const envFrom = asList(apiContainer['envFrom'], 'envFrom').map((e) => asMap(e, 'envFrom entry'));
      const refs = (key: string) =>
        envFrom.filter((e) => e[key] !== undefined).map((e) => dig(e, `${key}.name`, 'envFrom'));
      expect(refs('configMapRef')).toEqual([name(configMap, 'configmap.yaml')]);
      expect(refs('secretRef')).toEqual([name(secret, 'secret.template.yaml')]);
    });
  });

  describe('graceful shutdown fits inside the orchestrator grace period', () => {
    it('Kubernetes terminationGracePeriodSeconds', () => {
      const grace = asInteger(podSpec['terminationGracePeriodSeconds'], 'terminationGracePeriodSeconds');
      expect(grace * 1000).toBeGreaterThan(loadConfig(k8sEnv).shutdownTimeoutMs);
    });

    it('compose stop_grace_period', () => {
      const grace = durationMs(composeApi['stop_grace_period'] ?? '10s', 'stop_grace_period');
      expect(grace).toBeGreaterThan(loadConfig(composeEnv).shutdownTimeoutMs);
    });
  });

  describe('production secrets', () => {
    it('no file bakes in a secret or turns demo users on', () => {
      for (const env of [dockerEnv, configMapData]) {
        for (const name of RUNTIME_SECRETS) expect(Object.keys(env)).not.toContain(name);
      }
      for (const env of [dockerEnv, composeRawEnv, configMapData, secretData]) {
        expect(env.HOTSWAP_DEMO_USERS ?? 'false').toBe('false');
      }
    });

    it('the Secret template names every secret setting production requires', () => {
      for (const name of RUNTIME_SECRETS) expect(Object.keys(secretData)).toContain(name);
    });

    it('the Secret template cannot be applied unfilled: its placeholders are refused in production', () => {
      expect(() => loadConfig({ ...configMapData, ...secretData })).toThrow(/JWT_SECRET/);
    });

    it('compose requires the secrets from the environment instead of holding them', () => {
      expect(composeRequired).toEqual(expect.arrayContaining(RUNTIME_SECRETS));
    });
  });

  it('the Secret template holds only placeholders', () => {
    const placeholder = PLACEHOLDER;
    for (const [key, value] of Object.entries(secretData)) {
      expect({ key, placeholder: placeholder.test(value) }).toEqual({ key, placeholder: true });
      // A URL with a real-looking password next to a placeholder host must fail too.
      if (URL.canParse(value)) {
        const url = new URL(value);
        for (const part of [url.username, url.password].filter((p) => p !== '')) {
          expect({ key, part, placeholder: /^[A-Z_]+$/.test(part) }).toEqual({
            key,
            part,
            placeholder: true,
          });
        }
      }
    }
  });
});

describe('the event gateway in Kubernetes (DR-35)', () => {
  const spec = asMap(dig(gatewayDeployment, 'spec.template.spec', 'gateway-deployment.yaml'), 'pod spec');
  const labels = asStringMap(
    dig(gatewayDeployment, 'spec.template.metadata.labels', 'gateway-deployment.yaml'),
    'gateway pod labels',
  );
  const container = asMap(asList(spec['containers'], 'containers')[0], 'containers[0]');
  const env = Object.fromEntries(
    asList(container['env'] ?? [], 'env').map((e, i) => {
      const entry = asMap(e, `env[${i}]`);
      return [asString(entry['name'], `env[${i}].name`), asString(entry['value'], `env[${i}].value`)];
    }),
  );
  // What the gateway process sees: the ConfigMap and Secret (envFrom), then its own env.
  const gatewayEnv = { ...k8sEnv, ...env };

  it('is a Deployment and a Service selecting only the gateway pods (not the API Service)', () => {
    expect(kind(gatewayDeployment, 'gateway-deployment.yaml')).toBe('Deployment');
    expect(kind(gatewayService, 'gateway-service.yaml')).toBe('Service');
    const selector = asStringMap(
      dig(gatewayDeployment, 'spec.selector.matchLabels', 'gateway-deployment.yaml'),
      'selector',
    );
    const serviceSelector = asStringMap(
      dig(gatewayService, 'spec.selector', 'gateway-service.yaml'),
      'selector',
    );
    for (const s of [selector, serviceSelector]) {
      expect(Object.keys(s).length).toBeGreaterThan(0);
      expect(labels).toMatchObject(s);
      expect(podLabels).not.toMatchObject(s);
    }
    const apiSelector = asStringMap(dig(service, 'spec.selector', 'service.yaml'), 'Service selector');
    expect(labels).not.toMatchObject(apiSelector);
  });

  it("runs the API's image with the Node options and entry of `npm run start:gateway`", () => {
    expect(container['image']).toBe(apiContainer['image']);
    const scripts = (JSON.parse(readText('package.json')) as { scripts: Record<string, string> }).scripts;
    const start = /node\s+((?:--\S+\s+)*)(dist\/apps\/gateway\/src\/main\.js)/.exec(
      scripts['start:gateway'] ?? '',
    );
    expect(start).not.toBeNull();
    const command = asList(container['command'], 'command').map((c, i) => asString(c, `command[${i}]`));
    expect(command).toEqual(['node', ...(start?.[1] ?? '').trim().split(/\s+/), start?.[2]]);
    expect(existsSync(path.join(ROOT, 'apps/gateway/src/main.ts'))).toBe(true);
  });

  it('takes the shared ConfigMap and Secret, is valid gateway configuration, and listens on its named port', () => {
    const envFrom = asList(container['envFrom'], 'envFrom').map((e) => asMap(e, 'envFrom entry'));
    const refs = (key: string) =>
      envFrom.filter((e) => e[key] !== undefined).map((e) => dig(e, `${key}.name`, 'envFrom'));
    expect(refs('configMapRef')).toEqual([name(configMap, 'configmap.yaml')]);
    expect(refs('secretRef')).toEqual([name(secret, 'secret.template.yaml')]);
    const config = loadGatewayConfig(gatewayEnv);
    const ports = asList(container['ports'], 'ports').map((p) => asMap(p, 'port'));
    expect(ports.find((p) => p['name'] === 'http')?.['containerPort']).toBe(config.port);
    const servicePorts = asList(dig(gatewayService, 'spec.ports', 'gateway-service.yaml'), 'ports');
    expect(servicePorts.map((p) => asMap(p, 'port')['targetPort'])).toEqual(['http']);
  });

  it('is ready on its readiness route and live on its liveness route, and stops within its grace period', () => {
    expect(dig(container, 'readinessProbe.httpGet.path', 'container')).toBe(READY_PATH);
    expect(dig(container, 'readinessProbe.httpGet.port', 'container')).toBe('http');
    expect(dig(container, 'livenessProbe.httpGet.path', 'container')).toBe(LIVE_PATH);
    expect(dig(container, 'livenessProbe.httpGet.port', 'container')).toBe('http');
    const main = readText('apps/gateway/src/main.ts');
    const stopMs = Number(/STOP_GRACE_MS = ([\d_]+)/.exec(main)?.[1]?.replace(/_/g, ''));
    expect(stopMs).toBeGreaterThan(0);
    expect(
      asInteger(spec['terminationGracePeriodSeconds'], 'terminationGracePeriodSeconds') * 1000,
    ).toBeGreaterThan(stopMs);
  });

  it('runs as non-root', () => {
    expect(dig(spec, 'securityContext.runAsNonRoot', 'pod spec')).toBe(true);
  });
});
