// The base class binding one Tailscale resource type to its attribute schema. (tslab reads no Tailscale data source:
// the devices it waits for and removes are read through the API, src/clients/tailscale/.)
import { TerraformResource, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { splitConfig, toHclAttributes, toTerraformAttributes, type AttributeSchema } from './attributes.ts';
import { TAILSCALE_GENERATOR_METADATA } from './provider.ts';

export abstract class TailscaleResource<Args extends object> extends TerraformResource {
  private readonly args: Args;
  private readonly schema: AttributeSchema<Args>;

  protected constructor(
    scope: Construct,
    id: string,
    resourceType: string,
    config: Args & TerraformMetaArguments,
    schema: AttributeSchema<Args>,
  ) {
    const { args, meta } = splitConfig(config, schema);
    super(scope, id, {
      terraformResourceType: resourceType,
      terraformGeneratorMetadata: TAILSCALE_GENERATOR_METADATA,
      ...meta,
    });
    this.args = args;
    this.schema = schema;
  }

  /** Read-only `id`. */
  get id(): string {
    return this.getStringAttribute('id');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return toTerraformAttributes(this.args, this.schema);
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return toHclAttributes(this.args, this.schema);
  }
}
