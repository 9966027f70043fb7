// How well the model predicted the IOVAs the kernel chose (trace verify).

export interface Misprediction {
  readonly line: number;
  readonly expected: string;
  readonly predicted: string | null;
  readonly why: string;
}

export class PredictionScore {
  maps = 0;
  exact = 0;
  callerChosenMaps = 0;
  readonly first: Misprediction[] = [];

  record(line: number, actual: bigint, predicted: bigint | null, why: string): void {
    this.maps++;
    if (predicted === actual) {
      this.exact++;
      return;
    }
    if (this.first.length < 20) this.first.push({ line, expected: '0x' + actual.toString(16), predicted: predicted === null ? null : '0x' + predicted.toString(16), why });
  }

  callerChosen(yes: boolean): void {
    if (yes) this.callerChosenMaps++;
  }
}
