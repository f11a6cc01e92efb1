/** The DPO loss variants a `dpo` stage may use (see dpo.ts): plain DPO, and FuseChat-3.0's length-normalised one. */
export const DPO_LOSSES = ['dpo', 'dpo-norm'] as const;
export type DpoLoss = (typeof DPO_LOSSES)[number];
