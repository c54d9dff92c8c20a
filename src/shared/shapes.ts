// Compute shapes of OCI Classic DBCS (reference/dbcs-api.md §2.10).
export interface ShapeInfo {
  readonly ocpu: number;
  readonly memoryGb: number;
  readonly family: 'standard' | 'highmem';
}

export const SHAPES: Readonly<Record<string, ShapeInfo>> = {
  oc3: { ocpu: 1, memoryGb: 7.5, family: 'standard' },
  oc4: { ocpu: 2, memoryGb: 15, family: 'standard' },
  oc5: { ocpu: 4, memoryGb: 30, family: 'standard' },
  oc6: { ocpu: 8, memoryGb: 60, family: 'standard' },
  oc7: { ocpu: 16, memoryGb: 120, family: 'standard' },
  oc1m: { ocpu: 1, memoryGb: 15, family: 'highmem' },
  oc2m: { ocpu: 2, memoryGb: 30, family: 'highmem' },
  oc3m: { ocpu: 4, memoryGb: 60, family: 'highmem' },
  oc4m: { ocpu: 8, memoryGb: 120, family: 'highmem' },
  oc5m: { ocpu: 16, memoryGb: 240, family: 'highmem' },
};

export const SHAPE_NAMES = Object.keys(SHAPES) as [string, ...string[]];

export const DB_VERSIONS = ['11.2.0.4', '12.1.0.2', '12.2.0.1', '18.0.0.0'] as const;
export const EDITIONS = ['SE', 'EE', 'EE_HP', 'EE_EP'] as const;
export const LEVELS = ['PAAS', 'BASIC', 'PAAS_EXADATA'] as const;
