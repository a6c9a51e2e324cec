package lrmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pacer-ha/pacer/opdigest"
)

// FeatureSet is the CRM feature set Pacer's executor reports
// (OCF_RESKEY_crm_feature_set and crm_feature_set in lrm_rsc_op).
const FeatureSet = "3.16.1"

// Fencer runs stonith-class resources; the fencing package provides it.
type Fencer interface {
	Exec(ctx context.Context, req Request) Result
	Agents() ([]string, error)
	Metadata(ctx context.Context, agent string) ([]byte, error)
}

// Options configure an Executor. Zero values take the documented defaults.
type Options struct {
	// OCFRoots are searched in order for resource.d/PROVIDER/TYPE.
	// Default: DefaultOCFRoots().
	OCFRoots []string
	// LSBDir holds LSB init scripts. Default /etc/init.d.
	LSBDir string
	// ToolDir is put first on the agents' PATH and is their HA_SBIN_DIR, so
	// crm_attribute, crm_master and attrd_updater reach Pacer's tools.
	// Default: the directory of the running executable.
	ToolDir string
	// NodeName is exported as OCF_RESKEY_CRM_meta_on_node when set.
	NodeName string
	// Env are extra NAME=VALUE variables for every agent, on top of the
	// executor's own environment (which agents inherit, as in Pacemaker).
	Env []string
	// FeatureSet defaults to the package's FeatureSet.
	FeatureSet string
	// MaxConcurrent is the node-wide limit of agents running at once.
	// Default: twice the number of CPUs.
	MaxConcurrent int
	// DefaultTimeoutMS applies to requests without a timeout. Default 20000.
	DefaultTimeoutMS uint64
	// OutputLimit bounds each of stdout and stderr kept per run. Default 64 KiB.
	OutputLimit int
	// KillGrace is the time between SIGTERM and SIGKILL of a timed-out
	// agent's process group. Default 500ms.
	KillGrace time.Duration
	// PipeGrace is how long output is still read after the agent exited
	// (daemons it started may keep the pipe open). Default 200ms.
	PipeGrace time.Duration
	// NotifyAllRecurring reports every recurring result, not only the
	// first one and changes (Pacemaker's executor reports changes only).
	NotifyAllRecurring bool
	// Fencer runs class stonith; nil means stonith resources are not
	// supported by this executor.
	Fencer Fencer
	// Systemctl is the systemctl binary. Default "systemctl" on PATH.
	Systemctl string
	// SystemdRunning overrides detection of systemd as the init system.
	SystemdRunning func() bool
	// ListUnits lists systemd units for Agents; nil lists none.
	ListUnits func() ([]string, error)
	// AgentNice, when set, is the nice value agents are given as soon as
	// they start: crmd raises its own priority (as Corosync runs at
	// real-time priority) so membership is answered however many agents
	// are runnable, and the agents must not inherit that. A grandchild the
	// agent forks within microseconds of its start may still inherit it.
	AgentNice *int
}

// DefaultOCFRoots is Pacer's own OCF tree (lib/ocf next to the tools'
// bin directory) followed by the system's /usr/lib/ocf.
func DefaultOCFRoots() []string {
	var roots []string
	if exe, err := os.Executable(); err == nil {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		roots = append(roots, filepath.Join(filepath.Dir(filepath.Dir(exe)), "lib", "ocf"))
	}
	return append(roots, "/usr/lib/ocf")
}

// Executor runs resource agent actions. Create one with New; it is safe for
// concurrent use.
type Executor struct {
	opts   Options
	callID atomic.Int64
	slots  chan struct{} // node-wide concurrency limit

	mu        sync.Mutex
	rscLocks  map[string]*rscLock
	recurring map[string]*recurringOp

	mdMu     sync.Mutex
	mdCache  map[string]*Metadata
	mdFailed map[string]mdFailure
}

// mdFailure remembers a failed meta-data run for a while, so an agent
// without usable meta-data does not pay for a second run on every action.
type mdFailure struct {
	err   error
	until time.Time
}

const mdFailureTTL = 30 * time.Second

type rscLock struct {
	ch   chan struct{}
	refs int
}

// New returns an Executor with opts completed by defaults.
func New(opts Options) *Executor {
	if len(opts.OCFRoots) == 0 {
		opts.OCFRoots = DefaultOCFRoots()
	}
	if opts.LSBDir == "" {
		opts.LSBDir = "/etc/init.d"
	}
	if opts.ToolDir == "" {
		if exe, err := os.Executable(); err == nil {
			opts.ToolDir = filepath.Dir(exe)
		}
	}
	if opts.FeatureSet == "" {
		opts.FeatureSet = FeatureSet
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 2 * runtime.NumCPU()
	}
	if opts.DefaultTimeoutMS == 0 {
		opts.DefaultTimeoutMS = 20000
	}
	if opts.OutputLimit <= 0 {
		opts.OutputLimit = 64 << 10
	}
	if opts.KillGrace <= 0 {
		opts.KillGrace = 500 * time.Millisecond
	}
	if opts.PipeGrace <= 0 {
		opts.PipeGrace = 200 * time.Millisecond
	}
	if opts.Systemctl == "" {
		opts.Systemctl = "systemctl"
	}
	return &Executor{
		opts:      opts,
		slots:     make(chan struct{}, opts.MaxConcurrent),
		rscLocks:  map[string]*rscLock{},
		recurring: map[string]*recurringOp{},
		mdCache:   map[string]*Metadata{},
		mdFailed:  map[string]mdFailure{},
	}
}

// Options returns the executor's effective options.
func (e *Executor) Options() Options { return e.opts }

// lockRsc serialises actions per resource; it honours ctx while waiting.
func (e *Executor) lockRsc(ctx context.Context, id string) (func(), error) {
	e.mu.Lock()
	l := e.rscLocks[id]
	if l == nil {
		l = &rscLock{ch: make(chan struct{}, 1)}
		e.rscLocks[id] = l
	}
	l.refs++
	e.mu.Unlock()
	release := func() {
		e.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(e.rscLocks, id)
		}
		e.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

// Exec runs one action and returns its result. It blocks while another
// action of the same resource runs and while the node-wide limit is reached.
// A stop first cancels the resource's recurring operations.
func (e *Executor) Exec(ctx context.Context, req Request) Result {
	queued := time.Now()
	if req.Action == "stop" && req.RscID != "" {
		e.CancelResource(req.RscID)
	}
	return e.exec(ctx, req, queued)
}

func (e *Executor) newResult(req Request, queued time.Time) Result {
	if req.TimeoutMS == 0 {
		req.TimeoutMS = e.opts.DefaultTimeoutMS
	}
	return Result{Request: req, CallID: int(e.callID.Add(1)), Queued: queued, Status: StatusPending}
}

// Simulate returns a result for req without running anything, numbered
// like the executor's calls so it sorts after the resource's earlier
// history: the controller records it as if the agent had returned it
// (crm_resource --fail).
func (e *Executor) Simulate(req Request, rc int, status ExecStatus, reason string) Result {
	res := e.newResult(req, time.Now())
	res.RC, res.Status, res.ExitReason = rc, status, reason
	return complete(res)
}

func (e *Executor) exec(ctx context.Context, req Request, queued time.Time) Result {
	res := e.newResult(req, queued)
	req = res.Request
	agent, err := e.resolve(req.Class, req.Provider, req.Type)
	if err != nil {
		res.RC, res.Status = OCFNotInstalled, StatusNotInstalled
		res.ExitReason = err.Error()
		var nf *AgentNotFoundError
		if errors.As(err, &nf) && nf.Reason == "unknown resource class" {
			res.RC, res.Status = OCFUnimplemented, StatusNotSupported
		}
		// The failed operation is recorded with the digest of what was asked.
		e.addDigests(ctx, &res)
		return complete(res)
	}
	if agent.class == ClassStonith {
		r := e.opts.Fencer.Exec(ctx, req)
		r.CallID, r.Queued = res.CallID, res.Queued
		if req.Action != "meta-data" {
			e.addDigests(ctx, &r)
		}
		return r
	}

	res = e.run(ctx, res, agent)
	// After the run, with the resource and slot released: a first meta-data
	// run behind the digests must neither hold up the action nor need a
	// slot while holding one.
	if req.Action != "meta-data" {
		e.addDigests(ctx, &res)
		res.Finished = time.Now()
	}
	return res
}

// run executes the agent under the resource lock and a node-wide slot.
func (e *Executor) run(ctx context.Context, res Result, agent resolvedAgent) Result {
	req := res.Request
	if req.RscID != "" && req.Action != "meta-data" {
		unlock, err := e.lockRsc(ctx, req.RscID)
		if err != nil {
			res.RC, res.Status, res.ExitReason = OCFUnknownError, StatusCancelled, "Cancelled while queued"
			return complete(res)
		}
		defer unlock()
	}
	select {
	case e.slots <- struct{}{}:
		defer func() { <-e.slots }()
	case <-ctx.Done():
		res.RC, res.Status, res.ExitReason = OCFUnknownError, StatusCancelled, "Cancelled while queued"
		return complete(res)
	}

	timeout := time.Duration(req.TimeoutMS) * time.Millisecond
	spec := runSpec{
		timeout:     timeout,
		killGrace:   e.opts.KillGrace,
		outputLimit: e.opts.OutputLimit,
		pipeGrace:   e.opts.PipeGrace,
		nice:        e.opts.AgentNice,
	}
	switch agent.class {
	case ClassOCF:
		spec.path, spec.args = agent.path, []string{req.Action}
		spec.env = e.agentEnv(&req, agent.ocfRoot, req.TimeoutMS)
	case ClassLSB:
		action := req.Action
		if action == "monitor" {
			action = "status"
		}
		if action == "meta-data" {
			return e.lsbMetadataResult(res, agent.path)
		}
		spec.path, spec.args = agent.path, []string{action}
		spec.env = e.lsbEnv()
	case ClassSystemd:
		return e.execSystemd(ctx, res, spec)
	}
	pr := runProcess(ctx, spec)
	applyProc(&res, pr, agent.class, req, timeout)
	if agent.class == ClassLSB {
		res.RC = mapLSB(req.Action, res.RC, res.Status)
	}
	return complete(res)
}

// complete stamps the time the result was recorded and derives queue-time
// and exec-time.
func complete(r Result) Result {
	r.Finished = time.Now()
	if r.Started.IsZero() {
		r.Started = r.Finished
	}
	if r.Exited.IsZero() {
		r.Exited = r.Finished
	}
	r.QueueTime = uint64(r.Started.Sub(r.Queued).Milliseconds())
	r.ExecTime = uint64(r.Exited.Sub(r.Started).Milliseconds())
	return r
}

// applyProc turns a process outcome into rc, status and exit reason.
func applyProc(res *Result, pr procResult, class string, req Request, timeout time.Duration) {
	res.Stdout, res.Stderr, res.Truncated = pr.stdout, pr.stderr, pr.truncated
	res.ExitReason = pr.exitReason
	res.Started = pr.started
	if pr.startErr == nil {
		res.Exited = pr.finished
	}
	switch {
	case pr.startErr != nil:
		res.Status = StatusError
		res.RC = OCFUnknownError
		switch {
		case errors.Is(pr.startErr, syscall.ENOENT):
			res.RC, res.Status = OCFNotInstalled, StatusNotInstalled
		case errors.Is(pr.startErr, syscall.EACCES), errors.Is(pr.startErr, syscall.EPERM):
			res.RC, res.Status = OCFInsufficientPriv, StatusNotInstalled
		case errors.Is(pr.startErr, syscall.ENOEXEC):
			res.RC, res.Status = OCFNotInstalled, StatusNotInstalled
		}
		res.ExitReason = fmt.Sprintf("Could not execute %s: %v", agentSpec(class, req.Provider, req.Type), pr.startErr)
	case pr.timedOut:
		res.RC, res.Status = OCFUnknownError, StatusTimeout
		res.ExitReason = "Resource agent did not exit within specified timeout"
	case pr.cancelled:
		res.RC, res.Status = OCFUnknownError, StatusCancelled
		if res.ExitReason == "" {
			res.ExitReason = "Cancelled"
		}
	case pr.signaled:
		// Killed by a signal nobody sent on purpose: the action failed.
		res.RC, res.Status = OCFUnknownError, StatusError
		res.ExitReason = fmt.Sprintf("Resource agent interrupted by %s signal", signalName(pr.signal))
	default:
		res.RC, res.Status = pr.exitCode, StatusDone
		if class == ClassOCF && !knownOCFCode(pr.exitCode) {
			// Codes the OCF API does not define mean a generic error.
			res.RC = OCFUnknownError
		}
	}
}

// signalName is strsignal()'s wording ("Killed", "Segmentation fault").
func signalName(sig syscall.Signal) string {
	s := sig.String()
	if s == "" {
		return fmt.Sprintf("signal %d", int(sig))
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func knownOCFCode(rc int) bool {
	return rc >= OCFSuccess && rc <= OCFFailedPromoted || rc == OCFDegraded || rc == OCFDegradedPromoted
}

// mapLSB maps an LSB init script's exit status to an OCF result.
// For status (monitor), LSB 1-3 mean "not running" and 4 "unknown";
// for other actions LSB 0-7 have the OCF meanings and anything else is a
// generic error.
func mapLSB(action string, rc int, st ExecStatus) int {
	if st != StatusDone {
		return rc
	}
	if action == "monitor" || action == "status" {
		switch rc {
		case 0:
			return OCFSuccess
		case 1, 2, 3:
			return OCFNotRunning
		default:
			return OCFUnknownError
		}
	}
	if rc >= 0 && rc <= 7 {
		return rc
	}
	return OCFUnknownError
}

func (e *Executor) lsbEnv() []string {
	var b envBuilder
	b.add(inheritedEnv())
	b.add(e.opts.Env)
	b.set("PATH", agentPath(e.opts.ToolDir))
	return b.list()
}

// addDigests fills the op digests of an OCF action from the request and the
// agent's (cached) meta-data.
func (e *Executor) addDigests(ctx context.Context, res *Result) {
	req := res.Request
	flat := make(map[string]string, len(req.Params)+2)
	for k, v := range req.Params {
		flat[k] = v
	}
	flat["CRM_meta_interval"] = strconv.FormatUint(req.IntervalMS, 10)
	flat["CRM_meta_timeout"] = strconv.FormatUint(req.TimeoutMS, 10)
	var restart, secure []string
	if md, err := e.Metadata(ctx, req.Class, req.Provider, req.Type); err == nil {
		if req.IntervalMS == 0 {
			restart = md.RestartParams()
		}
		secure = md.SecureParams()
	}
	d := opdigest.FromAction(flat, restart, secure, req.Class == ClassStonith)
	res.OpDigest, res.RestartDigest, res.SecureDigest = d.All, d.Restart, d.Secure
	res.RestartParams, res.SecureParams = restart, secure
}

// Metadata returns an agent's parsed meta-data, running its meta-data
// action once and caching the result.
func (e *Executor) Metadata(ctx context.Context, class, provider, typ string) (*Metadata, error) {
	key := agentSpec(class, provider, typ)
	e.mdMu.Lock()
	md := e.mdCache[key]
	failed, hasFailed := e.mdFailed[key]
	e.mdMu.Unlock()
	if md != nil {
		return md, nil
	}
	if hasFailed && time.Now().Before(failed.until) {
		return nil, failed.err
	}
	raw, err := e.RawMetadata(ctx, class, provider, typ)
	if err == nil {
		md, err = ParseMetadata(raw)
		if err != nil {
			err = fmt.Errorf("%s: %w", key, err)
		}
	}
	if err != nil {
		e.mdMu.Lock()
		e.mdFailed[key] = mdFailure{err: err, until: time.Now().Add(mdFailureTTL)}
		e.mdMu.Unlock()
		return nil, err
	}
	e.mdMu.Lock()
	e.mdCache[key] = md
	e.mdMu.Unlock()
	return md, nil
}

// RawMetadata runs the agent's meta-data action and returns its output
// unparsed (what crm_resource --show-metadata prints).
func (e *Executor) RawMetadata(ctx context.Context, class, provider, typ string) ([]byte, error) {
	agent, err := e.resolve(class, provider, typ)
	if err != nil {
		return nil, err
	}
	switch agent.class {
	case ClassStonith:
		return e.opts.Fencer.Metadata(ctx, typ)
	case ClassLSB:
		return lsbMetadata(agent.path, typ)
	case ClassSystemd:
		return systemdMetadata(typ), nil
	}
	res := e.exec(ctx, Request{Class: class, Provider: provider, Type: typ, Action: "meta-data", TimeoutMS: 30000}, time.Now())
	if res.Status != StatusDone || res.RC != OCFSuccess {
		reason := res.ExitReason
		if reason == "" {
			reason = fmt.Sprintf("rc=%d (%s)", res.RC, RCString(res.RC))
		}
		return nil, fmt.Errorf("meta-data of %s failed: %s", agentSpec(class, provider, typ), reason)
	}
	if res.Truncated {
		return nil, fmt.Errorf("meta-data of %s exceeds %d bytes", agentSpec(class, provider, typ), e.opts.OutputLimit)
	}
	return []byte(res.Stdout), nil
}
