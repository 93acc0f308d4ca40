// A stack's outputs (`terraform output -json`) that keep sensitive values out of logs: they print as a placeholder
// through JSON.stringify, console.log and util.inspect, and are only handed out on an explicit value() call.
import { inspect } from 'node:util';

export const REDACTED = '(sensitive)';

interface RawOutput {
  value: unknown;
  sensitive?: boolean;
}

export class TerraformOutputs {
  private readonly outputs: ReadonlyMap<string, RawOutput>;

  constructor(raw: Record<string, RawOutput>) {
    this.outputs = new Map(Object.entries(raw));
  }

  /** Parses the JSON `terraform output -json` prints. */
  static fromJson(json: string): TerraformOutputs {
    const parsed: unknown = JSON.parse(json);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('terraform output -json did not print a JSON object');
    }
    return new TerraformOutputs(parsed as Record<string, RawOutput>);
  }

  names(): string[] {
    return [...this.outputs.keys()];
  }

  has(name: string): boolean {
    return this.outputs.has(name);
  }

  isSensitive(name: string): boolean {
    return this.outputs.get(name)?.sensitive === true;
  }

  /** The output's value, sensitive or not; throws naming the known outputs when it does not exist. */
  value(name: string): unknown {
    const output = this.outputs.get(name);
    if (!output) throw new Error(`No output '${name}' (outputs: ${this.names().join(', ') || 'none'})`);
    return output.value;
  }

  /** Values with the sensitive ones replaced by a placeholder: safe to log or write to a job summary. */
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(
      [...this.outputs].map(([name, output]) => [name, output.sensitive ? REDACTED : output.value]),
    );
  }

  [inspect.custom](): string {
    return `TerraformOutputs ${inspect(this.toJSON())}`;
  }
}
