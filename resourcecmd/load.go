package resourcecmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/cibclient"
	"github.com/pacer-ha/pacer/cluster"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/crmmon"
)

// Reported is an error whose message the tool has already printed; only its
// exit code matters.
type Reported struct{ Code crmexit.Code }

func (r Reported) Error() string { return r.Code.String() }

// Fail returns an error carrying code whose message is already printed.
func Fail(code crmexit.Code) error { return crmexit.Wrap(code, Reported{code}) }

// Failf prints Pacemaker's two-line tool error ("TOOL: message" then
// "Error performing operation: ...") and returns the exit code.
func Failf(stderr io.Writer, tool string, code crmexit.Code, format string, args ...any) error {
	// One write: XML output reports each message as one error.
	fmt.Fprintf(stderr, "%s: "+format+"\nError performing operation: %s\n", append(append([]any{tool}, args...), code)...)
	return Fail(code)
}

// View unpacks c as the scheduler would see it at now.
func View(c *cib.CIB, now time.Time) (*cluster.Cluster, error) {
	cl, err := cluster.UnpackWith(c.Root(), now, crmmon.RuleOptions(now))
	if err != nil {
		return nil, fmt.Errorf("unpack CIB: %w", err)
	}
	return cl, nil
}

// ReadCIB reads the CIB from CIB_file or the cluster, printing Pacemaker's
// connection error for tool when it cannot.
func ReadCIB(ctx context.Context, tool string, stderr io.Writer) (*cib.CIB, error) {
	be, err := cibclient.Open(ctx)
	if err == nil {
		defer be.Close()
		var c *cib.CIB
		if c, err = be.Read(ctx); err == nil {
			return c, nil
		}
	}
	return nil, connectError(tool, stderr, err)
}

func connectError(tool string, stderr io.Writer, err error) error {
	code := crmexit.Of(err)
	if code == crmexit.Err || code == crmexit.Disconnect {
		fmt.Fprintf(stderr, "%s: Could not connect to the CIB: Transport endpoint is not connected\n", tool)
		fmt.Fprintf(stderr, "Error performing operation: %s\n", crmexit.Disconnect)
		return Fail(crmexit.Disconnect)
	}
	fmt.Fprintf(stderr, "%s: Could not connect to the CIB: %v\n", tool, err)
	fmt.Fprintf(stderr, "Error performing operation: %s\n", code)
	return Fail(code)
}

// Update applies fn to the CIB (file or cluster) in one transaction; fn sees
// the cluster view of the CIB as read.
func Update(ctx context.Context, tool string, stderr io.Writer, now time.Time, fn func(c *cib.CIB, cl *cluster.Cluster) error) error {
	be, err := cibclient.Open(ctx)
	if err != nil {
		return connectError(tool, stderr, err)
	}
	defer be.Close()
	return be.Update(ctx, func(c *cib.CIB) error {
		cl, err := View(c, now)
		if err != nil {
			return err
		}
		return fn(c, cl)
	})
}

// IsReported reports whether err (or an error it wraps) was already printed.
func IsReported(err error) bool {
	var r Reported
	return errors.As(err, &r)
}
