// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem jobs: RUN, WAIT, CANCEL and the worker.
 *
 * Each device has one queue of jobs and one worker (nnmem_sched, a work
 * item on an ordered workqueue) that runs them one at a time. Each
 * session queues its jobs in its own list, in submission order; the
 * device's policy (sysfs attribute "sched") says which session's job the
 * worker takes next:
 *
 * - fair (the default): round-robin across the sessions with queued
 *   jobs. The session just served is parked until the worker takes the
 *   next job, so a session whose first job is queued while another's
 *   runs goes next: a session that floods the queue delays another's job
 *   by the one job of it that runs, not more.
 * - fifo: the oldest queued job of any session (the order before fair
 *   scheduling came; kept to compare against).
 *
 * The worker takes one job per run of its work item and queues the item
 * again while jobs are queued: bounded work per item, and a job queued
 * meanwhile competes for the next turn. A job holds a reference to its
 * graph (so to its regions, which stay busy) until it is reaped.
 *
 * From the moment it is queued (or run inline) until it is done, a job
 * counts in the jobs count of each region of its graph, which pins the
 * region against compaction: the plan's arena offsets stay true while
 * the job may run it. The count is raised so that a compaction either
 * sees it or has finished moving the regions and relocating the plan
 * before the job reads the plan (nnmem_job_pin()); it drops when the job ends
 * (nnmem_job_end()), whether it ran, was cancelled off the queue, or its
 * session closed.
 *
 * A sync RUN on an idle device (no job queued, none running) runs the job
 * itself, in the caller's context, under the device's exec_lock, which
 * the worker also holds while it runs a job: runs stay one at a time and
 * in submission order, and the caller skips the handoff to the worker and
 * back (two wakeups). Otherwise it queues the job and sleeps interruptibly
 * until it is done. Either way a signal cancels the job (the inline run
 * sees it at its next progress check; a queued one is stopped, waiting
 * uninterruptibly only until the worker's next check), frees it and gives
 * -EINTR. A sync job never outlives its RUN, so it lives on the caller's
 * stack, without node times (a sync RUN returns none); it takes no
 * kernel memory and no job slot, but is refused where an async job would
 * be (-EDQUOT, -EAGAIN), checked without a lock.
 * An async RUN gives the job an id (1, 2, ... cyclic over u32, never 0),
 * published only once the id has reached userspace; the job is queued
 * then. WAIT reaps a finished job; CANCEL marks a job cancelled and takes
 * a queued one off the workqueue at once.
 *
 * The worker runs the graph's plan with the portable executor
 * (nnmem_exec.c), whose progress hook it gets before every node but the
 * first (the job was just taken, its cancel flag read) and after
 * every NNMEM_JOB_BUDGET MACs of work inside one (however the node is
 * shaped: even one output element of a huge filter is metered tap by
 * tap). There it calls cond_resched() and checks the cancel flag, so a
 * cancelled job, a killed sync RUN or a closing file waits for at most
 * about that much work. It records each node's time and MACs and the
 * device-wide counters.
 *
 * A CANCEL that returns 0 was seen by the job before it finished: the job
 * finishes with -ECANCELED even if its last node completed meanwhile.
 *
 * Errors: RUN -EINVAL (flags), -ENOENT (graph), -EDQUOT (the job's charge,
 * nnmem_kmem_job(), would take the session or the device past its kernel
 * memory budget), -EAGAIN (the session has
 * NNMEM_SESSION_MAX_JOBS unreaped jobs), -ENOMEM, -EINTR (sync, signal),
 * or a sync job's own status. WAIT -EINVAL (flags, __pad), -ENOENT
 * (unknown or reaped id), -ETIME (deadline passed, job stays), -EINTR
 * (signal, job stays), -EFAULT (node_times unwritable; job stays). CANCEL
 * -EINVAL (flags, __pad), -ENOENT, -EALREADY (already finished).
 * A job's status: 0, -ECANCELED, or -ERANGE when a shift tensor holds a
 * value outside [-31, 30] when the job runs.
 */

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/nnmem.h>

#include "nnmem_event.h"
#include "nnmem_exec.h"
#include "nnmem_graph.h"
#include "nnmem_job.h"
#include "nnmem_region.h"
#include "nnmem_scratch.h"
#include "nnmem_session.h"
#include "nnmem_trace.h"

/*
 * MACs of work between two cancel checks and scheduling points of the
 * worker: 128 Ki. The conv benchmark (selftests/bench) runs at 0.1-0.4e9
 * MACs/s in the VMs, so that is about a millisecond, and the metering
 * costs 0.3% more instructions on its shapes (1.8% on a 3x3 depthwise
 * conv, where an output element is 9 MACs).
 */

static void nnmem_job_account(struct nnmem_device *ndev, int status)
{
	struct nnmem_run_stats __percpu *rs = ndev->stats.run;

	if (!status)
		this_cpu_inc(rs->completed);
	else if (status == -ECANCELED)
		this_cpu_inc(rs->cancelled);
	else
		this_cpu_inc(rs->failed);
}

/*
 * Counts a job about to be queued or run in its graph's jobs, which pins
 * the graph's regions (compaction). Without a lock: a compaction sets
 * ndev->compacting, then reads the counts, with a full barrier between;
 * the count is raised, then the flag read, with one too. So either the
 * compaction sees the count, or the job sees the flag: then the
 * compaction may have missed it, and the job waits for the compaction to
 * end (compact_rwsem) and counts itself again.
 */
static void nnmem_job_pin(struct nnmem_job *job)
{
	struct nnmem_device *ndev = job->s->ndev;
	atomic_t *jobs = &job->graph->jobs;

	atomic_inc(jobs);
	/* pairs with smp_mb() in nnmem_compact_run() */
	smp_mb__after_atomic();
	if (unlikely(READ_ONCE(ndev->compacting))) {
		atomic_dec(jobs);
		down_read(&ndev->compact_rwsem);
		atomic_inc(jobs);
		up_read(&ndev->compact_rwsem);
	}
	job->pinned = true;
}

/*
 * Takes a job that will not touch the arena again out of the count; its
 * reads and writes of the arena are ordered before (a compaction that
 * then sees the count drop may move the bytes).
 */
static void nnmem_job_unpin(struct nnmem_job *job)
{
	if (!job->pinned)
		return;
	job->pinned = false;
	/* pairs with atomic_read_acquire() in nnmem_compact_pin_jobs() */
	smp_mb__before_atomic();
	atomic_dec(&job->graph->jobs);
}

/*
 * Record the result. A job whose cancel flag is set finishes with
 * -ECANCELED whatever it did: CANCEL sets the flag under job_lock and
 * returns 0 only while the job is not done. The counters are updated
 * before anyone can see the job done.
 */
static void nnmem_job_end(struct nnmem_job *job, int status)
{
	struct nnmem_session *s = job->s;

	if (job->cancel)
		status = -ECANCELED;
	nnmem_job_unpin(job);
	nnmem_job_account(s->ndev, status);
	job->status = status;
	job->state = NNMEM_JOB_DONE;
	trace_nnmem_job_end(s->ndev->index, s->id, job->id, status,
			    job->duration_ns, job->macs);
}

/* Publish the result and wake waiters; the job is the reaper's now. */
static void nnmem_job_finish_locked(struct nnmem_job *job, int status)
{
	struct nnmem_session *s = job->s;

	lockdep_assert_held(&s->job_lock);
	nnmem_job_end(job, status);
	if (job->async)
		s->nr_done++;
	wake_up_all(&s->job_wq);
}

/*
 * Job and node times are durations on the scheduler's clock: on x86 with
 * a stable TSC, local_clock() is the TSC scaled, with no timekeeping
 * seqcount and no call through the clocksource, which ktime_get_ns()
 * makes (a tiny graph's sync RUN reads the clock twice, and under
 * emulation each of those calls costs). A job that moves to another CPU
 * meanwhile reads a clock kept in step with the first one's.
 */
static u64 nnmem_job_now(void *ctx)
{
	return local_clock();
}

/* The executor's progress hook: a scheduling point and a cancel check. */
static int nnmem_job_progress(void *ctx, u64 done, u64 total)
{
	struct nnmem_job *job = ctx;

	cond_resched();
	/* an inline sync RUN: a signal to its caller cancels it */
	if (job->inline_run && signal_pending(current))
		WRITE_ONCE(job->cancel, true);
	return READ_ONCE(job->cancel) ? -ECANCELED : 0;
}

/*
 * Runs the job's graph. A job without node times (a sync one) reads the
 * clock itself, once before and once after, rather than through the
 * executor's hook; and a graph without a scratch area or fast paths
 * skips their calls: under emulation (QEMU TCG) every call and return
 * costs about as much as a few dozen instructions, and a tiny graph's
 * sync RUN is mostly such overhead (so it is also folded into its one
 * caller).
 */
static __always_inline int nnmem_job_execute(struct nnmem_job *job)
{
	struct nnmem_device *ndev = job->s->ndev;
	struct nnmem_graph *g = job->graph;
	struct nnmem_exec_hooks hooks = {
		.now_ns = job->node_ns ? nnmem_job_now : NULL,
		.progress = nnmem_job_progress,
		.ctx = job,
		.budget = NNMEM_JOB_BUDGET,
		/* its cancel flag was just read (worker), or is new (inline) */
		.started = true,
	};
	/* nnmem_exec_run() fills it in whatever the outcome */
	struct nnmem_exec_result res NNMEM_NOINIT;
	struct nnmem_run_stats __percpu *rs;
	struct nnmem_scratch *sc = NULL;
	unsigned int i;
	u64 start = 0;
	int ret = 0;

	BUILD_BUG_ON(NNMEM_PATH_COUNT != NNMEM_FAST_LEVELS);

	/* Held until the run ends, even if a larger area replaces it. */
	if (g->shared_scratch)
		sc = nnmem_scratch_shared_get(ndev);
	else if (g->scratch)
		sc = nnmem_scratch_get(g->scratch);
	if (WARN_ON_ONCE(g->scratch_size && (!sc || sc->size < g->scratch_size))) {
		nnmem_scratch_put(sc);
		return -EIO;
	}
	if (sc)
		hooks.scratch = sc->ar.offset;
	if (g->fast)
		ret = nnmem_graph_fast_prepare(g, &hooks);
	if (ret) {
		res.duration_ns = 0;
		res.macs = 0;
		for (i = 0; i < NNMEM_PATH_COUNT; i++)
			res.path_nodes[i] = 0;
	} else {
		if (!hooks.now_ns)
			start = local_clock();
		ret = nnmem_exec_run(ndev->cpu_addr, g->plan, g->node_count,
				     &hooks, job->node_ns, &res);
		if (!hooks.now_ns)
			res.duration_ns = local_clock() - start;
	}
	if (sc)
		nnmem_scratch_put(sc);
	job->duration_ns = res.duration_ns;
	job->macs = res.macs;
	rs = ndev->stats.run;
	this_cpu_add(rs->busy_ns, job->duration_ns);
	this_cpu_add(rs->macs, job->macs);
	for (i = 0; i < NNMEM_PATH_COUNT; i++) {
		if (!res.path_nodes[i])
			continue;
		this_cpu_add(rs->path_nodes[i], res.path_nodes[i]);
		this_cpu_add(rs->path_macs[i], res.path_macs[i]);
	}
	return ret;
}

/*
 * Executes a RUNNING job under exec_lock, counted as running; @events:
 * emit its start event (if anyone listens).
 */
static int nnmem_job_execute_counted(struct nnmem_job *job, bool events)
{
	struct nnmem_session *s = job->s;
	struct nnmem_device *ndev = s->ndev;
	int status;

	lockdep_assert_held(&ndev->exec_lock);
	/* one run at a time (exec_lock): a plain store, no locked add */
	atomic64_set(&ndev->stats.running, 1);
	trace_nnmem_job_start(ndev->index, s->id, job->id, job->graph->handle,
			      job->node_count);
	if (events)
		nnmem_event_notify_job(s, job, NNMEM_EV_JOB_START);
	status = nnmem_job_execute(job);
	atomic64_set(&ndev->stats.running, 0);
	return status;
}

/* Runs a queued job on the worker. */
static void nnmem_job_run_locked(struct nnmem_job *job)
{
	struct nnmem_session *s = job->s;
	struct nnmem_device *ndev = s->ndev;
	struct nnmem_event *ev;
	bool cancelled;
	int status;

	lockdep_assert_held(&ndev->exec_lock);
	atomic64_dec(&ndev->stats.queued);
	spin_lock(&s->job_lock);
	cancelled = job->cancel;
	if (!cancelled)
		job->state = NNMEM_JOB_RUNNING;
	spin_unlock(&s->job_lock);

	status = cancelled ? -ECANCELED :
			     nnmem_job_execute_counted(job, true);

	/* After the unlock the session may be released: touch nothing more. */
	spin_lock(&s->job_lock);
	nnmem_job_finish_locked(job, status);
	ev = nnmem_event_job(s, job, NNMEM_EV_JOB_FINISH);
	spin_unlock(&s->job_lock);
	nnmem_event_send(ev);
}

/*
 * Takes @job off its session's queue and the device's FIFO; takes the
 * session off the round-robin if that was its last queued job.
 */
static void nnmem_sched_unlink(struct nnmem_sched *sc, struct nnmem_job *job)
{
	struct nnmem_session *s = job->s;

	lockdep_assert_held(&sc->lock);
	list_del_init(&job->qnode);
	list_del_init(&job->fnode);
	if (list_empty(&s->queue))
		list_del_init(&s->sched_node);
}

/*
 * The next job to run, taken off the queue, or NULL if none is queued.
 * Its session is parked: it goes back to the round-robin's tail (if it
 * has jobs left) only at the next pick, behind the sessions whose jobs
 * were queued while this one ran.
 */
static struct nnmem_job *nnmem_sched_pick(struct nnmem_sched *sc)
{
	struct nnmem_session *s = sc->parked;
	struct nnmem_job *job;

	lockdep_assert_held(&sc->lock);
	if (s && !list_empty(&s->queue))
		list_add_tail(&s->sched_node, &sc->active);
	sc->parked = NULL;
	if (list_empty(&sc->fifo))
		return NULL;
	if (sc->policy == NNMEM_SCHED_FIFO) {
		job = list_first_entry(&sc->fifo, struct nnmem_job, fnode);
	} else {
		s = list_first_entry(&sc->active, struct nnmem_session,
				     sched_node);
		job = list_first_entry(&s->queue, struct nnmem_job, qnode);
	}
	nnmem_sched_unlink(sc, job);
	list_del_init(&job->s->sched_node);
	sc->parked = job->s;
	return job;
}

/* The worker: runs the next job, if any, and comes back for more. */
static void nnmem_job_work(struct work_struct *work)
{
	struct nnmem_sched *sc = container_of(work, struct nnmem_sched, work);
	struct nnmem_device *ndev = sc->ndev;
	struct nnmem_job *job;
	bool more;

	mutex_lock(&ndev->exec_lock);
	spin_lock(&sc->lock);
	job = nnmem_sched_pick(sc);
	spin_unlock(&sc->lock);
	if (job)
		nnmem_job_run_locked(job);
	mutex_unlock(&ndev->exec_lock);

	spin_lock(&sc->lock);
	more = !list_empty(&sc->fifo);
	spin_unlock(&sc->lock);
	if (more)
		queue_work(ndev->wq, &sc->work);
}

/*
 * A sync RUN's job on an idle device, run here and now: true if it ran
 * (it is DONE), false if the device is busy (queue it). A job queued
 * meanwhile waits for exec_lock, behind this one, as if it came later.
 * Nothing else sees the job (a sync job has no id), so its state needs
 * no job_lock and nobody waits for it; its finish event is sent before
 * the next job can start. Whether anyone listens to events is checked
 * once, at the start (a listener that comes while it runs, a few
 * microseconds for a tiny graph, sees neither its start nor its finish):
 * the check costs as much as a tiny graph's node under emulation.
 */
static bool nnmem_job_run_inline(struct nnmem_job *job)
{
	struct nnmem_device *ndev = job->s->ndev;
	bool events;

	if (atomic64_read(&ndev->stats.queued) ||
	    !mutex_trylock(&ndev->exec_lock))
		return false;
	job->inline_run = true;
	job->state = NNMEM_JOB_RUNNING;
	events = nnmem_event_wanted();
	nnmem_job_end(job, nnmem_job_execute_counted(job, events));
	if (events)
		nnmem_event_notify_job(job->s, job, NNMEM_EV_JOB_FINISH);
	mutex_unlock(&ndev->exec_lock);
	return true;
}

/*
 * Sets up a job of @g in @s. An async one is charged, counted and
 * allocated. A sync one is @sync, on its caller's stack (it never
 * outlives the RUN), left uninitialised by the caller and set field by
 * field here (zeroing it whole is a "rep stos", which emulators run one
 * word at a time); it takes no kernel memory and no job slot, so it is
 * only checked against the same limits (-EDQUOT, -EAGAIN) without taking
 * a lock: the locked instructions would cost a tiny graph's sync RUN
 * about a node's time under emulation.
 */
static struct nnmem_job *nnmem_job_create(struct nnmem_session *s,
					  struct nnmem_graph *g,
					  struct nnmem_job *sync)
{
	u64 charge = nnmem_kmem_job(g->node_count);
	struct nnmem_job *job = sync;
	int ret;

	if (sync) {
		ret = nnmem_session_kmem_check(s, charge);
		if (!ret && READ_ONCE(s->nr_jobs) >= NNMEM_SESSION_MAX_JOBS)
			ret = -EAGAIN;
		if (ret)
			return ERR_PTR(ret);
		job->id = 0;
		job->async = false;
		job->inline_run = false;
		job->pinned = false;
		job->cancel = false;
		job->status = 0;
		job->duration_ns = 0;
		job->macs = 0;
		job->node_ns = NULL;
		goto init;
	}
	ret = nnmem_session_kmem_charge(s, charge);
	if (ret)
		return ERR_PTR(ret);
	job = kzalloc(struct_size(job, times, g->node_count),
		      GFP_KERNEL_ACCOUNT);
	if (!job) {
		nnmem_session_kmem_uncharge(s, charge);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock(&s->job_lock);
	if (s->nr_jobs >= NNMEM_SESSION_MAX_JOBS)
		ret = -EAGAIN;
	else
		WRITE_ONCE(s->nr_jobs, s->nr_jobs + 1);
	spin_unlock(&s->job_lock);
	if (ret) {
		kfree(job);
		nnmem_session_kmem_uncharge(s, charge);
		return ERR_PTR(ret);
	}
	job->async = true;
	job->node_ns = job->times;
init:
	INIT_LIST_HEAD(&job->qnode);
	INIT_LIST_HEAD(&job->fnode);
	job->s = s;
	job->graph = g;
	job->state = NNMEM_JOB_QUEUED;
	job->node_count = g->node_count;
	return job;
}

/*
 * Releases a job that is done or was never queued: its graph, and an
 * async one's count, charge and memory (a sync one is its caller's
 * stack).
 */
static void nnmem_job_destroy(struct nnmem_job *job)
{
	struct nnmem_session *s = job->s;

	nnmem_graph_put(job->graph);
	if (!job->async)
		return;
	spin_lock(&s->job_lock);
	WRITE_ONCE(s->nr_jobs, s->nr_jobs - 1);
	spin_unlock(&s->job_lock);
	nnmem_session_kmem_uncharge(s, nnmem_kmem_job(job->node_count));
	kfree(job);
}

static void nnmem_job_queue(struct nnmem_job *job)
{
	struct nnmem_session *s = job->s;
	struct nnmem_device *ndev = s->ndev;
	struct nnmem_sched *sc = ndev->sched;

	atomic64_inc(&ndev->stats.queued);
	spin_lock(&sc->lock);
	if (list_empty(&s->queue) && sc->parked != s)
		list_add_tail(&s->sched_node, &sc->active);
	list_add_tail(&job->qnode, &s->queue);
	list_add_tail(&job->fnode, &sc->fifo);
	spin_unlock(&sc->lock);
	queue_work(ndev->wq, &sc->work);
}

/*
 * Takes a cancelled job off the queue if the worker has not taken it yet:
 * true if it did (the job is the caller's to finish).
 */
static bool nnmem_job_unqueue(struct nnmem_job *job)
{
	struct nnmem_session *s = job->s;
	struct nnmem_sched *sc = s->ndev->sched;
	bool queued;

	lockdep_assert_held(&s->job_lock);
	spin_lock(&sc->lock);
	queued = !list_empty(&job->qnode);
	if (queued)
		nnmem_sched_unlink(sc, job);
	spin_unlock(&sc->lock);
	if (queued)
		atomic64_dec(&s->ndev->stats.queued);
	return queued;
}

static bool nnmem_job_done(struct nnmem_job *job)
{
	struct nnmem_session *s = job->s;
	bool done;

	spin_lock(&s->job_lock);
	done = job->state == NNMEM_JOB_DONE;
	spin_unlock(&s->job_lock);
	return done;
}

/*
 * Marks @job (not done) cancelled. If the worker had not taken it yet,
 * takes it off the queue and finishes it with -ECANCELED: true, with its
 * finish event in *@evp, to send once the lock is dropped. Otherwise
 * false: the worker (or the inline run) sees the flag at its next check.
 */
static bool nnmem_job_cancel_locked(struct nnmem_job *job,
				    struct nnmem_event **evp)
{
	struct nnmem_session *s = job->s;

	lockdep_assert_held(&s->job_lock);
	WRITE_ONCE(job->cancel, true);
	*evp = NULL;
	if (job->state != NNMEM_JOB_QUEUED || !nnmem_job_unqueue(job))
		return false;
	/* the worker never saw it */
	nnmem_job_finish_locked(job, -ECANCELED);
	*evp = nnmem_event_job(s, job, NNMEM_EV_JOB_FINISH);
	return true;
}

/*
 * Cancels a queued or running job and waits until the worker is done with
 * it; afterwards the job is DONE. Sleeps (uninterruptibly) at most until
 * the worker's next cancel check.
 */
static void nnmem_job_stop(struct nnmem_job *job)
{
	struct nnmem_session *s = job->s;
	struct nnmem_event *ev;
	bool dequeued;

	spin_lock(&s->job_lock);
	dequeued = nnmem_job_cancel_locked(job, &ev);
	spin_unlock(&s->job_lock);
	if (dequeued)
		nnmem_event_send(ev);
	else
		wait_event(s->job_wq, nnmem_job_done(job));
}

/**
 * nnmem_job_run_ioctl - NNMEM_IOCTL_RUN
 * @s: calling session
 * @data: &struct nnmem_run
 * @ctx: gets an async job, published and queued by nnmem_job_run_commit()
 *
 * Return: see the top of this file.
 */
int nnmem_job_run_ioctl(struct nnmem_session *s, void *data,
			struct nnmem_ioctl_ctx *ctx)
{
	struct nnmem_run *run = data;
	bool async = run->flags & NNMEM_RUN_ASYNC;
	struct nnmem_job *job, sync NNMEM_NOINIT;
	struct nnmem_graph *g;
	u32 id;
	int ret;

	if (run->flags & ~NNMEM_RUN_VALID_FLAGS)
		return -EINVAL;
	g = nnmem_graph_get(s, run->graph);
	if (!g)
		return -ENOENT;
	job = nnmem_job_create(s, g, async ? NULL : &sync);
	if (IS_ERR(job)) {
		nnmem_graph_put(g);
		return PTR_ERR(job);
	}
	run->job = 0;
	run->duration_ns = 0;
	run->macs = 0;

	if (async) {
		ret = xa_alloc_cyclic(&s->jobs, &id, NULL, XA_LIMIT(1, U32_MAX),
				      &s->next_job, GFP_KERNEL);
		if (ret < 0) {
			nnmem_job_destroy(job);
			return ret;
		}
		job->id = id;
		run->job = id;
		ctx->obj = job;
		return 0;
	}

	nnmem_job_pin(job);
	if (nnmem_job_run_inline(job)) {
		/* all there is to destroying a sync job that ran */
		nnmem_graph_put(g);
		/* only a signal cancels a sync job */
		if (job->status == -ECANCELED)
			return -EINTR;
		run->duration_ns = job->duration_ns;
		run->macs = job->macs;
		return job->status;
	}
	nnmem_job_queue(job);
	if (wait_event_interruptible(s->job_wq, nnmem_job_done(job))) {
		nnmem_job_stop(job);
		nnmem_job_destroy(job);
		return -EINTR;
	}
	run->duration_ns = job->duration_ns;
	run->macs = job->macs;
	ret = job->status;
	nnmem_job_destroy(job);
	return ret;
}

/**
 * nnmem_job_run_commit - publish and queue an async job, or undo it
 * @s: calling session
 * @data: &struct nnmem_run as returned
 * @ctx: holds the async job from nnmem_job_run_ioctl() (a sync RUN has
 *	none, and no commit)
 * @copied: whether the result reached userspace
 */
void nnmem_job_run_commit(struct nnmem_session *s, void *data,
			  struct nnmem_ioctl_ctx *ctx, bool copied)
{
	struct nnmem_job *job = ctx->obj;
	void *old;

	if (copied) {
		nnmem_job_pin(job);
		/* Filling a reserved slot allocates nothing and cannot fail. */
		old = xa_store(&s->jobs, job->id, job, GFP_KERNEL);
		WARN_ON_ONCE(xa_is_err(old));
		nnmem_job_queue(job);
		return;
	}
	xa_erase(&s->jobs, job->id);
	nnmem_job_destroy(job);
}

/* True once the job is done, or gone (reaped by someone else). */
static bool nnmem_job_ready(struct nnmem_session *s, u32 id)
{
	struct nnmem_job *job;
	bool ready;

	spin_lock(&s->job_lock);
	job = xa_load(&s->jobs, id);
	ready = !job || job->state == NNMEM_JOB_DONE;
	spin_unlock(&s->job_lock);
	return ready;
}

/* Sleeps until the job is ready or @deadline; 0 or -EINTR. */
static int nnmem_job_wait_deadline(struct nnmem_session *s, u32 id,
				   u64 deadline)
{
	ktime_t timeout;
	u64 now;
	int ret;

	if (!deadline)
		return 0;
	now = ktime_get_ns();
	if (deadline != NNMEM_WAIT_FOREVER && deadline <= now)
		return 0;
	if (deadline == NNMEM_WAIT_FOREVER || deadline - now > KTIME_MAX) {
		ret = wait_event_interruptible(s->job_wq,
					       nnmem_job_ready(s, id));
	} else {
		timeout = ns_to_ktime(deadline - now);
		ret = wait_event_interruptible_hrtimeout(s->job_wq,
							 nnmem_job_ready(s, id),
							 timeout);
	}
	return ret == -ERESTARTSYS ? -EINTR : 0;
}

/*
 * Takes a finished job out of sight: its slot stays reserved (reads as
 * unknown) until the WAIT completes or gives it back.
 */
static struct nnmem_job *nnmem_job_claim(struct nnmem_session *s, u32 id)
{
	struct nnmem_job *job;

	spin_lock(&s->job_lock);
	job = xa_load(&s->jobs, id);
	if (!job) {
		job = ERR_PTR(-ENOENT);
	} else if (job->state != NNMEM_JOB_DONE) {
		job = ERR_PTR(-ETIME);
	} else {
		/* Replaces an entry: allocates nothing. */
		xa_store(&s->jobs, id, NULL, GFP_ATOMIC);
		s->nr_done--;
	}
	spin_unlock(&s->job_lock);
	return job;
}

/*
 * Gives a claimed job back. The job becomes visible and counted in
 * nr_done at one instant, under job_lock as in nnmem_job_claim(): were it
 * stored first, a WAIT could claim it in between and take nr_done below
 * zero, and poll() would report a finished job when there is none.
 */
static void nnmem_job_unclaim(struct nnmem_session *s, struct nnmem_job *job)
{
	void *old;

	spin_lock(&s->job_lock);
	/* Fills the slot the claim reserved: allocates nothing. */
	old = xa_store(&s->jobs, job->id, job, GFP_ATOMIC);
	WARN_ON_ONCE(xa_is_err(old));
	s->nr_done++;
	spin_unlock(&s->job_lock);
	wake_up_all(&s->job_wq);
}

/**
 * nnmem_job_wait_ioctl - NNMEM_IOCTL_WAIT
 * @s: calling session
 * @data: &struct nnmem_wait
 * @ctx: gets the finished job, reaped by nnmem_job_wait_commit()
 *
 * Return: see the top of this file.
 */
int nnmem_job_wait_ioctl(struct nnmem_session *s, void *data,
			 struct nnmem_ioctl_ctx *ctx)
{
	struct nnmem_wait *w = data;
	u64 __user *times = u64_to_user_ptr(w->node_times);
	struct nnmem_job *job;
	u32 n;
	int ret;

	if (w->flags || w->__pad)
		return -EINVAL;
	if (!w->job || w->job > U32_MAX)
		return -ENOENT;
	ret = nnmem_job_wait_deadline(s, w->job, w->deadline_ns);
	if (ret)
		return ret;
	job = nnmem_job_claim(s, w->job);
	if (IS_ERR(job))
		return PTR_ERR(job);

	n = min(w->node_count, job->node_count);
	if (w->node_times && n &&
	    copy_to_user(times, job->node_ns, n * sizeof(*times))) {
		nnmem_job_unclaim(s, job);
		return -EFAULT;
	}
	w->status = job->status;
	w->duration_ns = job->duration_ns;
	w->macs = job->macs;
	ctx->obj = job;
	return 0;
}

/**
 * nnmem_job_wait_commit - reap the job, or give it back
 * @s: calling session
 * @data: &struct nnmem_wait as returned
 * @ctx: holds the job claimed by nnmem_job_wait_ioctl()
 * @copied: whether the result reached userspace
 */
void nnmem_job_wait_commit(struct nnmem_session *s, void *data,
			   struct nnmem_ioctl_ctx *ctx, bool copied)
{
	struct nnmem_job *job = ctx->obj;

	if (!copied) {
		nnmem_job_unclaim(s, job);
		return;
	}
	xa_erase(&s->jobs, job->id);
	nnmem_job_destroy(job);
}

/**
 * nnmem_job_cancel_ioctl - NNMEM_IOCTL_CANCEL
 * @s: calling session
 * @data: &struct nnmem_cancel
 * @ctx: unused
 *
 * A queued job is taken off the workqueue and finishes at once with
 * -ECANCELED; a running one stops at the worker's next check.
 *
 * Return: 0, -EINVAL, -ENOENT or -EALREADY.
 */
int nnmem_job_cancel_ioctl(struct nnmem_session *s, void *data,
			   struct nnmem_ioctl_ctx *ctx)
{
	struct nnmem_cancel *c = data;
	struct nnmem_event *ev = NULL;
	struct nnmem_job *job;
	bool dequeued = false;
	int ret = 0;

	if (c->flags || c->__pad)
		return -EINVAL;
	if (!c->job || c->job > U32_MAX)
		return -ENOENT;

	spin_lock(&s->job_lock);
	job = xa_load(&s->jobs, c->job);
	if (!job)
		ret = -ENOENT;
	else if (job->state == NNMEM_JOB_DONE)
		ret = -EALREADY;
	else
		dequeued = nnmem_job_cancel_locked(job, &ev);
	spin_unlock(&s->job_lock);

	if (dequeued)
		nnmem_event_send(ev);
	return ret;
}

/**
 * nnmem_job_session_fini - cancel, wait for and free a session's jobs
 * @s: the closing session
 *
 * No ioctl of the session is in flight. When this returns the worker
 * holds nothing of the session.
 */
void nnmem_job_session_fini(struct nnmem_session *s)
{
	struct nnmem_job *job;
	unsigned long id;

	xa_for_each(&s->jobs, id, job) {
		nnmem_job_stop(job);
		xa_erase(&s->jobs, id);
		spin_lock(&s->job_lock);
		s->nr_done--;
		spin_unlock(&s->job_lock);
		nnmem_job_destroy(job);
	}
	/* Its jobs are all off the queue: forget it was served last. */
	spin_lock(&s->ndev->sched->lock);
	WARN_ON(!list_empty(&s->queue) || !list_empty(&s->sched_node));
	if (s->ndev->sched->parked == s)
		s->ndev->sched->parked = NULL;
	spin_unlock(&s->ndev->sched->lock);
}

/**
 * nnmem_job_device_init - set up a device's job worker
 * @ndev: the device
 *
 * Return: 0 or -ENOMEM.
 */
int nnmem_job_device_init(struct nnmem_device *ndev)
{
	struct nnmem_sched *sc;

	ndev->stats.run = alloc_percpu(struct nnmem_run_stats);
	if (!ndev->stats.run)
		return -ENOMEM;
	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc)
		goto err_stats;
	sc->ndev = ndev;
	spin_lock_init(&sc->lock);
	INIT_LIST_HEAD(&sc->active);
	INIT_LIST_HEAD(&sc->fifo);
	sc->policy = NNMEM_SCHED_FAIR;
	INIT_WORK(&sc->work, nnmem_job_work);
	ndev->wq = alloc_ordered_workqueue(NNMEM_NAME "%u", 0, ndev->index);
	if (!ndev->wq)
		goto err_sched;
	mutex_init(&ndev->exec_lock);
	ndev->sched = sc;
	return 0;

err_sched:
	kfree(sc);
err_stats:
	free_percpu(ndev->stats.run);
	ndev->stats.run = NULL;
	return -ENOMEM;
}

/**
 * nnmem_job_device_fini - tear a device's job worker down
 * @ndev: the device, with no session left
 */
void nnmem_job_device_fini(struct nnmem_device *ndev)
{
	WARN_ON(atomic64_read(&ndev->stats.queued) ||
		atomic64_read(&ndev->stats.running));
	/* drains the worker, which queues itself only while jobs are queued */
	destroy_workqueue(ndev->wq);
	WARN_ON(!list_empty(&ndev->sched->fifo) ||
		!list_empty(&ndev->sched->active));
	kfree(ndev->sched);
	ndev->sched = NULL;
	mutex_destroy(&ndev->exec_lock);
	free_percpu(ndev->stats.run);
	ndev->stats.run = NULL;
}

/**
 * nnmem_job_stats_read - the sums of a device's finished jobs
 * @ndev: the device
 * @sum: filled in with the sum over every CPU
 *
 * Each field is exact for the jobs whose RUN or WAIT has returned; a job
 * finishing meanwhile may be in some fields and not yet in others.
 */
void nnmem_job_stats_read(struct nnmem_device *ndev,
			  struct nnmem_run_stats *sum)
{
	const struct nnmem_run_stats *rs;
	unsigned int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		rs = per_cpu_ptr(ndev->stats.run, cpu);
		sum->completed += READ_ONCE(rs->completed);
		sum->failed += READ_ONCE(rs->failed);
		sum->cancelled += READ_ONCE(rs->cancelled);
		sum->macs += READ_ONCE(rs->macs);
		sum->busy_ns += READ_ONCE(rs->busy_ns);
		for (i = 0; i < NNMEM_PATH_COUNT; i++) {
			sum->path_nodes[i] += READ_ONCE(rs->path_nodes[i]);
			sum->path_macs[i] += READ_ONCE(rs->path_macs[i]);
		}
	}
}

static const char * const nnmem_sched_names[] = {
	[NNMEM_SCHED_FAIR] = "fair",
	[NNMEM_SCHED_FIFO] = "fifo",
};

/**
 * nnmem_job_sched_show - the device's scheduling policy, for sysfs
 * @ndev: the device
 * @buf: sysfs' page
 *
 * Return: the bytes written: "fair\n" or "fifo\n".
 */
ssize_t nnmem_job_sched_show(struct nnmem_device *ndev, char *buf)
{
	enum nnmem_sched_policy p;

	spin_lock(&ndev->sched->lock);
	p = ndev->sched->policy;
	spin_unlock(&ndev->sched->lock);
	return sysfs_emit(buf, "%s\n", nnmem_sched_names[p]);
}

/**
 * nnmem_job_sched_store - set the device's scheduling policy, from sysfs
 * @ndev: the device
 * @buf: "fair" or "fifo", a newline allowed
 * @count: its length
 *
 * Jobs already queued stay queued; the worker's next pick follows the new
 * policy (every queue is kept in both orders).
 *
 * Return: @count, or -EINVAL for any other value (nothing changes).
 */
ssize_t nnmem_job_sched_store(struct nnmem_device *ndev, const char *buf,
			      size_t count)
{
	int p = sysfs_match_string(nnmem_sched_names, buf);

	if (p < 0)
		return -EINVAL;
	spin_lock(&ndev->sched->lock);
	ndev->sched->policy = p;
	spin_unlock(&ndev->sched->lock);
	return count;
}
