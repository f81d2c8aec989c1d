// train.EarlyStopping for explicit loops (Keras semantics).
import { expect } from "chai";
import * as torch from "../lib";
import { train } from "../lib";

class Tiny {
  w = torch.keep(torch.zeros([3]));
  stateDict() { return { w: this.w }; }
  loadStateDict(sd: any) { torch.noGrad(() => this.w.copy_(sd.w)); }
}

function stops(es: train.EarlyStopping, metrics: number[]): boolean[] { return metrics.map((m) => es.step(m)); }

describe("train.EarlyStopping", () => {
  it("stops after `patience` epochs without improvement", () => {
    const es = new train.EarlyStopping({ patience: 2 });
    expect(stops(es, [5, 4, 4.5, 4.2])).to.deep.equal([false, false, false, true]);
    expect(es.best).to.equal(4);
    expect(es.bestEpoch).to.equal(1);
    expect(es.stoppedEpoch).to.equal(3);
  });

  it("an improvement resets the wait; minDelta sets how much counts", () => {
    expect(stops(new train.EarlyStopping({ patience: 2 }), [5, 4.9, 4.8, 4.7, 4.6])).to.deep.equal([false, false, false, false, false]);
    expect(stops(new train.EarlyStopping({ patience: 2, minDelta: 0.2 }), [5, 4.9, 4.8, 4.7, 4.6])).to.deep.equal([false, false, true, false, false]);
  });

  it("mode max, and auto picks max for accuracy", () => {
    expect(stops(new train.EarlyStopping({ mode: "max", patience: 1 }), [0.5, 0.6, 0.55])).to.deep.equal([false, false, true]);
    const es = new train.EarlyStopping({ monitor: "val_accuracy", patience: 1 });
    expect(es.mode).to.equal("max");
    expect(new train.EarlyStopping().mode).to.equal("min");
    expect(es.step({ val_accuracy: 0.5, val_loss: 1 })).to.equal(false);
    expect(es.step({ val_accuracy: 0.4, val_loss: 0.5 })).to.equal(true);
  });

  it("takes a one-element tensor; rejects logs without the monitored key", () => {
    const es = new train.EarlyStopping({ patience: 0 });
    const a = torch.tensor(1.0), b = torch.tensor(2.0);
    expect(es.step(a)).to.equal(false);
    expect(es.step(b)).to.equal(true);
    a.dispose(); b.dispose();
    expect(() => new train.EarlyStopping().step({ loss: 1 })).to.throw(TypeError);
  });

  it("restoreBestWeights restores the model's weights of the best epoch, without leaking", () => {
    const model = new Tiny();
    const es = new train.EarlyStopping({ patience: 3, restoreBestWeights: true });
    const metrics = [9, 7, 5, 6, 4, 4.5, 4.2, 4.1];  // best at epoch 4
    const live: number[] = [];
    let stoppedAt = -1;
    for (let epoch = 0; epoch < metrics.length; epoch++) {
      torch.noGrad(() => model.w.fill_(epoch));
      if (es.step(metrics[epoch], model)) { stoppedAt = epoch; break; }
      live.push(torch.memory().liveTensors);
    }
    expect(stoppedAt).to.equal(7);
    expect(model.w.toArray()).to.deep.equal([4, 4, 4]);
    expect(new Set(live.slice(1)).size).to.equal(1);  // one snapshot kept at a time
    es.dispose();
    expect(torch.memory().liveTensors).to.equal(live[0] - 1);
  });
});
