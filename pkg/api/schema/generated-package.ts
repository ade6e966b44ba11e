/** One package of the generated fact table: its index entry and its encoded facts (see facts.ts). */
export interface GeneratedPackage {
  readonly key: string;
  readonly protoPackage: string;
  readonly group?: string;
  readonly version?: string;
  readonly data: string;
}
