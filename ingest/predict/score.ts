// How well the model predicted the IOVAs the kernel chose (trace verify): one guess per
// kernel-chosen map, made before the map line's IOVA was read, in a domain chosen without it.

export interface Misprediction {
  readonly line: number;
  readonly expected: string;
  readonly predicted: string | null;
  readonly why: string;
}

/** mispredictions kept for the report */
const KEEP = 20;

export class PredictionScore {
  /** kernel-chosen maps: one guess each */
  maps = 0;
  /** guesses that gave the kernel's IOVA, in the domain the line was placed in */
  exact = 0;
  /** maps whose IOVA the caller chose (identity maps, iommu_map by VFIO): nothing to predict */
  callerChosenMaps = 0;
  /** kernel-chosen maps whose domain only the allocator's answer decided: never counted exact */
  byAllocatorOnly = 0;
  /** why the guesses missed, counted */
  readonly misses: Record<string, number> = {};
  readonly first: Misprediction[] = [];
  /** lazy maps entered as found: where the most probable what-if copy held the kernel's IOVA (shadow-iova.ts HeldIn) */
  readonly foundIn: Record<string, number> = {};

  guessed(line: number, actual: bigint, predicted: bigint | null, hit: boolean, why: string): void {
    this.maps++;
    if (hit) {
      this.exact++;
      return;
    }
    this.misses[why] = (this.misses[why] ?? 0) + 1;
    if (this.first.length < KEEP) this.first.push({ line, expected: hex(actual), predicted: predicted === null ? null : hex(predicted), why });
  }

  enteredAsFound(heldIn: string): void {
    this.foundIn[heldIn] = (this.foundIn[heldIn] ?? 0) + 1;
  }

  callerChosen(): void {
    this.callerChosenMaps++;
  }
}

function hex(a: bigint): string {
  return '0x' + a.toString(16);
}
