/**
 * The scheduling rounds of a run. Each round: add the stack arm once it is due, write the
 * trials the plan needs, set aside speculative trials no longer worth their worker, start the
 * needed trials on idle workers, fill what is still idle with trials ahead of need, show the
 * state, and wait for a trial to settle. Verdicts read only the seeds the planner's
 * sequential rule reached, so what runs ahead changes the time a study takes, never its
 * verdicts.
 */
import { TunebookError } from '../../core/errors.js';
import { confirmArm, confirmDue, stackArm } from '../config/arms.js';
import type { MeasureConfig } from '../config/schema.js';
import {
  type ArmProgress,
  armStatuses,
  type PlanOptions,
  plannedTrials,
  speculativeTrials,
} from '../planner.js';
import type { TrialRow } from '../store/store.js';
import { armProgress } from './arm-progress.js';
import { armRecord, refinePlan, type StudySession } from './open-study.js';
import { describeProgress, measureProgress, type StudyProgress } from './status.js';
import type { InFlight, RunningTrial } from './trials.js';

/** The baseline's first trial failed: nothing else can succeed on these settings. */
export class BaselineFailedError extends TunebookError {
  constructor(seed: number, error: string) {
    super(
      'E_BASELINE_FAILED',
      `the baseline's first trial (seed ${seed}) failed: ${oneLine(error)}`,
    );
  }
}

type Wanted = Map<string, number[]>;
type QueuedTrial = TrialRow & { armKey: string };

export class Scheduler {
  private readonly startedAt = performance.now();
  /** The store's trials as the last round read them: what the status line counts between rounds. */
  private lastTrials: QueuedTrial[] = [];

  constructor(
    private readonly session: StudySession,
    private readonly trials: InFlight,
    private readonly workers: number,
    private readonly log: (line: string) => void,
    private readonly status: (line: string, progress: StudyProgress) => void,
  ) {}

  /**
   * Fail fast: the baseline's first seed runs before any arm (beside the baseline's next seeds
   * on the other workers), so settings that cannot train stop the study after one trial, not
   * after a column of failed ones.
   */
  async baselineFirst(stopped: Promise<void> | undefined): Promise<void> {
    const { store, armRows, plan } = this.session;
    const baseline = armRows.get('baseline')!;
    const first = await store.ensureTrial(baseline.id, 0, {
      key: this.session.keyOf('baseline', 0),
    });
    if (first.state !== 'queued') return; // finished in an earlier run
    const settled = this.trials.launch({ ...first, armKey: 'baseline' });
    for (let seed = 1; seed < Math.min(this.workers, plan.minSeeds); seed++) {
      const row = await store.ensureTrial(baseline.id, seed, {
        key: this.session.keyOf('baseline', seed),
      });
      if (row.state === 'queued') void this.trials.launch({ ...row, armKey: 'baseline' });
    }
    this.lastTrials = await store.trials(this.session.studyId);
    this.showStatus(neededTrials(armProgress(this.session, this.trials, this.lastTrials), plan));
    const outcome = await Promise.race([settled, stopped].filter(Boolean));
    if (outcome && outcome.state === 'failed') throw new BaselineFailedError(0, outcome.error);
  }

  /** Rounds until every needed trial has finished, or until `stopped` resolves. */
  async run(stopped: Promise<void> | undefined): Promise<void> {
    for (;;) {
      if (this.trials.interrupted) return;
      await refinePlan(this.session);
      await this.addStackArmIfDue();
      await this.addConfirmArmsIfDue();
      const before = await this.session.store.trials(this.session.studyId);
      const progress = armProgress(this.session, this.trials, before);
      const wanted = neededTrials(progress, this.session.plan);
      await this.writePlanned(wanted);
      const speculative = this.speculativeRunning(wanted);
      this.setAsideDecided(progress, speculative);
      const all = await this.session.store.trials(this.session.studyId);
      this.lastTrials = all;
      this.trials.adopt?.(
        all.filter(
          (t) =>
            t.state === 'running' &&
            !this.trials.running.has(t.id) &&
            isIn(wanted, t.armKey, t.seed),
        ),
      );
      // Not those launched already (a shared queue's trials stay 'queued' until claimed).
      const waiting = all.filter(
        (t) =>
          t.state === 'queued' && isIn(wanted, t.armKey, t.seed) && !this.trials.running.has(t.id),
      );
      let idle = this.makeRoomFor(waiting.length, speculative);
      idle -= this.launchNeeded(waiting, idle);
      const room = Math.min(idle, this.trials.aheadRoom?.() ?? idle);
      await this.launchAhead(armProgress(this.session, this.trials, all), wanted, room);
      this.showStatus(wanted);
      if (this.trials.tasks.size === 0) {
        if (waiting.length === 0) return;
        continue;
      }
      await Promise.race([...this.trials.tasks, stopped].filter(Boolean));
    }
  }

  /** The stack arm joins once every measure arm is decided, if asked and 2+ are effective. */
  private async addStackArmIfDue(): Promise<void> {
    const { config, armRows, loaded, store, studyId, plan } = this.session;
    if (!config.stack || armRows.has('stack')) return;
    const trials = await store.trials(studyId);
    const statuses = armStatuses(armProgress(this.session, this.trials, trials), plan).filter(
      (s) => s.key !== 'stack' && s.key !== 'control',
    );
    if (statuses.some((s) => s.verdict === 'undecided')) return;
    const effective = loaded.arms.filter(
      (a) => statuses.find((s) => s.key === a.id)?.verdict === 'effective',
    );
    if (effective.length < 2) return;
    const arm = stackArm(
      config,
      effective.map((a) => a.measure as MeasureConfig),
    );
    const row = await store.upsertArm({
      studyId,
      key: 'stack',
      label: arm.label,
      kind: 'stack',
      position: arm.index,
      measure: null,
      config: arm.config,
    });
    armRows.set('stack', row);
    const reused = await this.session.reuseFor(row);
    this.log(`stack arm: ${arm.label}${reused ? ` (${reused} trials reused)` : ''}`);
  }

  /** A sweep with `confirm: true` gets its best value again at fresh seeds once all are decided. */
  private async addConfirmArmsIfDue(): Promise<void> {
    const { armRows, loaded, store, studyId, plan, config } = this.session;
    if (!loaded.arms.some((a) => a.sweep?.confirm)) return;
    const trials = await store.trials(studyId);
    const statuses = armStatuses(armProgress(this.session, this.trials, trials), plan);
    for (const best of confirmDue(loaded.arms, statuses, new Set(armRows.keys()))) {
      const arm = confirmArm(best, config);
      const row = await store.upsertArm(armRecord(studyId, arm));
      armRows.set(arm.id, row);
      const reused = await this.session.reuseFor(row);
      this.log(`confirmation arm: ${arm.label}${reused ? ` (${reused} trials reused)` : ''}`);
    }
  }

  /** Every trial the plan needs gets its row (queued), in one transaction. */
  private async writePlanned(wanted: Wanted): Promise<void> {
    const { store, armRows } = this.session;
    await store.transaction(async (tx) => {
      for (const [armKey, seeds] of wanted)
        for (const seed of seeds)
          await tx.ensureTrial(armRows.get(armKey)!.id, seed, {
            key: this.session.keyOf(armKey, seed),
          });
    });
  }

  /** Running trials the plan does not (yet) need, deepest seed first. */
  private speculativeRunning(wanted: Wanted): [number, RunningTrial][] {
    return [...this.trials.running]
      .filter(([id, r]) => !this.trials.setAside.has(id) && !isIn(wanted, r.arm, r.seed))
      .sort(([, a], [, b]) => b.seed - a.seed);
  }

  /** A trial ahead of need is worth its worker while its arm (any arm, for the baseline's) is undecided. */
  private setAsideDecided(progress: ArmProgress[], speculative: [number, RunningTrial][]): void {
    const undecided = new Set(
      armStatuses(progress, this.session.plan)
        .filter((s) => s.verdict === 'undecided')
        .map((s) => s.key),
    );
    for (const [id, r] of speculative)
      if (!(r.arm === 'baseline' ? undecided.size > 0 : undecided.has(r.arm)))
        this.trials.putAside(id, 'its arm is decided');
  }

  /** A needed trial does not wait behind a speculative one: the deepest seed steps aside. Returns the idle workers. */
  private makeRoomFor(waiting: number, speculative: [number, RunningTrial][]): number {
    let idle = this.workers - this.trials.busy;
    for (const [id] of speculative) {
      if (waiting <= idle) break;
      if (this.trials.setAside.has(id)) continue;
      this.trials.putAside(id, 'a needed trial is waiting');
      idle++;
    }
    return idle;
  }

  /**
   * Needed trials in the store's order, arm by arm (the baseline first): early arms reach
   * their decision, and ask for their next seeds, while later arms still have work queued,
   * so the pool rarely waits. Returns how many started.
   */
  private launchNeeded(waiting: QueuedTrial[], idle: number): number {
    const starting = waiting.slice(0, Math.max(0, idle));
    for (const t of starting) void this.trials.launch(t);
    return starting.length;
  }

  /** Workers still idle run the next seeds of undecided arms ahead of need. */
  private async launchAhead(progress: ArmProgress[], wanted: Wanted, idle: number): Promise<void> {
    const { store, armRows, plan } = this.session;
    for (const next of speculativeTrials(progress, plan, idle, wanted)) {
      const row = await store.ensureTrial(armRows.get(next.arm)!.id, next.seed, {
        key: this.session.keyOf(next.arm, next.seed),
      });
      if (row.state !== 'queued') continue;
      void this.trials.launch({ ...row, armKey: next.arm }, true);
      this.trials.ahead.started++;
    }
  }

  /** Also called on every epoch a worker reports, so the running trials' epochs stay current. */
  showStatus(wanted?: Wanted): void {
    const { armRows, config, plan } = this.session;
    const trials = this.lastTrials;
    const progress = measureProgress({
      trials,
      wanted: wanted ?? neededTrials(armProgress(this.session, this.trials, trials), plan),
      armIdOf: (key) => armRows.get(key)!.id,
      arms: armRows.size,
      maxSeeds: config.seeds.maxSeeds,
      running: this.trials.running.values(),
      durations: this.trials.durations,
      workers: this.trials.parallel?.() ?? this.workers,
      startedAt: this.startedAt,
    });
    this.status(describeProgress(progress), progress);
  }
}

/** The planner's trials less failed seeds: they do not run again in this run (an arm out of memory has them all failed). */
function neededTrials(progress: ArmProgress[], plan: PlanOptions): Wanted {
  const wanted = plannedTrials(progress, plan);
  for (const p of progress) {
    const seeds = wanted.get(p.key);
    if (seeds && p.failed?.size)
      wanted.set(
        p.key,
        seeds.filter((s) => !p.failed!.has(s)),
      );
  }
  return wanted;
}

const isIn = (wanted: Wanted, arm: string, seed: number) => !!wanted.get(arm)?.includes(seed);

/** A worker's error can span lines (a stack, a tfjs dump): the first non-empty line says it. */
function oneLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? text
  );
}
