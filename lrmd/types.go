package lrmd

import (
	"fmt"
	"time"
)

// OCF result codes (rc-code), as defined by the OCF resource agent API and
// Pacemaker's extensions.
const (
	OCFSuccess          = 0
	OCFUnknownError     = 1
	OCFInvalidParam     = 2
	OCFUnimplemented    = 3
	OCFInsufficientPriv = 4
	OCFNotInstalled     = 5
	OCFNotConfigured    = 6
	OCFNotRunning       = 7
	OCFRunningPromoted  = 8
	OCFFailedPromoted   = 9
	OCFDegraded         = 190
	OCFDegradedPromoted = 191
)

// ExecStatus is Pacemaker's execution status of an operation (op-status):
// whether the agent ran to completion, independently of its rc.
type ExecStatus int

// Pacemaker's execution status values, as recorded in op-status.
const (
	StatusPending      ExecStatus = -1
	StatusDone         ExecStatus = 0
	StatusCancelled    ExecStatus = 1
	StatusTimeout      ExecStatus = 2
	StatusNotSupported ExecStatus = 3
	StatusError        ExecStatus = 4
	StatusErrorHard    ExecStatus = 5
	StatusErrorFatal   ExecStatus = 6
	StatusNotInstalled ExecStatus = 7
	StatusNotConnected ExecStatus = 8
	StatusInvalid      ExecStatus = 9
)

func (s ExecStatus) String() string {
	switch s {
	case StatusPending:
		return "Pending"
	case StatusDone:
		return "complete"
	case StatusCancelled:
		return "Cancelled"
	case StatusTimeout:
		return "Timed Out"
	case StatusNotSupported:
		return "NOT SUPPORTED"
	case StatusError:
		return "Error"
	case StatusErrorHard:
		return "Hard error"
	case StatusErrorFatal:
		return "Fatal error"
	case StatusNotInstalled:
		return "Not installed"
	case StatusNotConnected:
		return "Internal communication failure"
	case StatusInvalid:
		return "Cannot execute now"
	}
	return fmt.Sprintf("status %d", int(s))
}

// RCString is Pacemaker's short description of an OCF result code.
func RCString(rc int) string {
	switch rc {
	case OCFSuccess:
		return "ok"
	case OCFUnknownError:
		return "error"
	case OCFInvalidParam:
		return "invalid parameter"
	case OCFUnimplemented:
		return "unimplemented feature"
	case OCFInsufficientPriv:
		return "insufficient privileges"
	case OCFNotInstalled:
		return "not installed"
	case OCFNotConfigured:
		return "not configured"
	case OCFNotRunning:
		return "not running"
	case OCFRunningPromoted:
		return "promoted"
	case OCFFailedPromoted:
		return "promoted (failed)"
	case OCFDegraded:
		return "OCF_DEGRADED"
	case OCFDegradedPromoted:
		return "promoted (degraded)"
	}
	return "unknown"
}

// Agent classes (resource standards).
const (
	ClassOCF     = "ocf"
	ClassLSB     = "lsb"
	ClassService = "service"
	ClassSystemd = "systemd"
	ClassStonith = "stonith"
)

// Request is one action to run on one resource.
type Request struct {
	// RscID is the resource's id as the agent should see it
	// (OCF_RESOURCE_INSTANCE), e.g. "db" or "db:1" for a clone instance.
	RscID                 string
	Class, Provider, Type string
	Action                string // start, stop, monitor, promote, ..., meta-data
	IntervalMS            uint64 // > 0 only for recurring monitors
	TimeoutMS             uint64 // 0 means Options.DefaultTimeout
	StartDelayMS          uint64 // delay before the first run of a recurring op
	// Params are the instance attributes, passed as OCF_RESKEY_<name>. A
	// parameter named OCF_CHECK_LEVEL is also exported as OCF_CHECK_LEVEL.
	Params map[string]string
	// Meta are the meta attributes passed as OCF_RESKEY_CRM_meta_<name>
	// (dashes become underscores), e.g. name, clone_max, notify_type: the
	// controller passes the action's meta from the transition graph.
	// timeout is always set from TimeoutMS, interval from IntervalMS when
	// it is not zero.
	Meta map[string]string
	// CheckLevel, when set, is exported as OCF_CHECK_LEVEL (crm_resource
	// --force-check=LEVEL).
	CheckLevel string
	// TransitionKey is the controller's key, copied into the result.
	TransitionKey string
}

// Result is the outcome of one execution of a Request.
type Result struct {
	Request    Request
	CallID     int
	RC         int
	Status     ExecStatus
	ExitReason string
	Stdout     string // bounded by Options.OutputLimit
	Stderr     string
	// Truncated reports that the agent wrote more than the bound.
	Truncated bool
	// Queued is when the request was made, Started when the agent was
	// executed, Exited when it exited and Finished when the result was
	// complete (digests included).
	Queued, Started, Exited, Finished time.Time
	// ExecTime and QueueTime in milliseconds, as recorded in the CIB.
	ExecTime, QueueTime uint64
	// Digests are the op-digest, op-restart-digest and op-secure-digest,
	// with the lists they were computed from (nil when not recorded).
	OpDigest, RestartDigest, SecureDigest string
	RestartParams, SecureParams           []string
}

// OK reports whether the agent ran to completion with rc 0.
func (r *Result) OK() bool { return r.Status == StatusDone && r.RC == OCFSuccess }
