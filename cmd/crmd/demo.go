package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacer-ha/pacer/cib"
	"github.com/pacer-ha/pacer/crmexit"
	"github.com/pacer-ha/pacer/ipc"
	"github.com/pacer-ha/pacer/membership"
)

// demoCIB is the example configuration the demo loads: Pacer's own agents only.
const demoCIB = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
        <nvpair id="cib-bootstrap-options-no-quorum-policy" name="no-quorum-policy" value="stop"/>
        <nvpair id="cib-bootstrap-options-cluster-name" name="cluster-name" value="demo"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>
      <primitive id="web-ip" class="ocf" provider="pacer" type="Dummy">
        <operations>
          <op id="web-ip-monitor-10s" name="monitor" interval="10s" timeout="20s"/>
        </operations>
      </primitive>
      <group id="web">
        <primitive id="web-fs" class="ocf" provider="pacer" type="Dummy">
          <operations>
            <op id="web-fs-monitor-20s" name="monitor" interval="20s" timeout="20s"/>
          </operations>
        </primitive>
        <primitive id="web-server" class="ocf" provider="pacer" type="Dummy">
          <operations>
            <op id="web-server-monitor-30s" name="monitor" interval="30s" timeout="20s"/>
          </operations>
        </primitive>
      </group>
      <primitive id="db" class="ocf" provider="pacer" type="Dummy">
        <operations>
          <op id="db-monitor-15s" name="monitor" interval="15s" timeout="20s"/>
        </operations>
      </primitive>
    </resources>
    <constraints>
      <rsc_colocation id="web-with-ip" rsc="web" with-rsc="web-ip" score="INFINITY"/>
      <rsc_order id="ip-then-web" first="web-ip" then="web" kind="Mandatory"/>
      <rsc_location id="web-ip-prefers-node1" rsc="web-ip" node="node1" score="50"/>
      <rsc_colocation id="db-never-with-web" rsc="db" with-rsc="web" score="-INFINITY"/>
    </constraints>
  </configuration>
  <status/>
</cib>
`

type demoOptions struct {
	dir  string
	keep bool
}

func demoCommand(ctx context.Context, stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo [--dir DIR] [--keep]",
		Short: "start a three-node demo cluster on loopback (no root, no configuration); Ctrl-C stops it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(ctx, o, stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&o.dir, "dir", "", "directory for the nodes' state, sockets and logs (default: a new temporary directory)")
	cmd.Flags().BoolVar(&o.keep, "keep", false, "keep the directory when the demo stops")
	return cmd
}

// demoAddrs picks three loopback addresses sharing one free port (127.0.0.1-3,
// which Linux routes without configuration), else three ports on 127.0.0.1.
func demoAddrs() ([]string, error) {
	free := func(host string, port int) bool {
		l, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(port)))
		if err != nil {
			return false
		}
		defer l.Close()
		u, err := net.ListenPacket("udp", net.JoinHostPort(host, fmt.Sprint(port)))
		if err != nil {
			return false
		}
		u.Close()
		return true
	}
	for try := 0; try < 20; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if free("127.0.0.1", port) && free("127.0.0.2", port) && free("127.0.0.3", port) {
			return []string{fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.2:%d", port), fmt.Sprintf("127.0.0.3:%d", port)}, nil
		}
	}
	var out []string
	for len(out) < 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if free("127.0.0.1", port) {
			out = append(out, fmt.Sprintf("127.0.0.1:%d", port))
		}
	}
	return out, nil
}

func runDemo(ctx context.Context, o demoOptions, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return crmexit.New(crmexit.OSFile, "demo: finding the crmd binary: %w", err)
	}
	dir := o.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "pacer-demo-"); err != nil {
			return crmexit.New(crmexit.CantCreate, "demo: %w", err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return crmexit.New(crmexit.CantCreate, "demo: %w", err)
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	key := filepath.Join(dir, "authkey")
	if _, err := os.Stat(key); errors.Is(err, os.ErrNotExist) {
		if err := membership.WriteKeyFile(key, false); err != nil {
			return err
		}
	}
	addrs, err := demoAddrs()
	if err != nil {
		return crmexit.New(crmexit.OSErr, "demo: finding free loopback ports: %w", err)
	}
	names := []string{"node1", "node2", "node3"}
	var conf strings.Builder
	conf.WriteString("# Written by crmd demo.\ncluster_name = demo\n")
	for i, n := range names {
		fmt.Fprintf(&conf, "node = %s id=%d addr=%s\n", n, i+1, addrs[i])
	}
	socks := map[string]string{}
	var procs []*exec.Cmd
	var wg sync.WaitGroup
	stopAll := func() {
		// SIGTERM is a graceful leave: the nodes' resources are stopped
		// first. A second SIGTERM forces, then SIGKILL.
		for _, p := range procs {
			p.Process.Signal(syscall.SIGTERM)
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
			return
		case <-time.After(30 * time.Second):
		}
		for _, p := range procs {
			p.Process.Signal(syscall.SIGTERM)
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			for _, p := range procs {
				p.Process.Kill()
			}
			<-done
		}
	}
	defer stopAll()
	for _, n := range names {
		nd := filepath.Join(dir, n)
		if err := os.MkdirAll(nd, 0o755); err != nil {
			return crmexit.New(crmexit.CantCreate, "demo: %w", err)
		}
		cf := filepath.Join(nd, "crmd.conf")
		body := conf.String() + fmt.Sprintf("key_file = %s\nstate_dir = %s\nrun_dir = %s\n", key, filepath.Join(nd, "state"), filepath.Join(nd, "run"))
		if err := os.WriteFile(cf, []byte(body), 0o644); err != nil {
			return crmexit.New(crmexit.CantCreate, "demo: %w", err)
		}
		socks[n] = filepath.Join(nd, "run", "crmd.sock")
		logf, err := os.Create(filepath.Join(nd, "crmd.log"))
		if err != nil {
			return crmexit.New(crmexit.CantCreate, "demo: %w", err)
		}
		p := exec.Command(self, "run", "--config", cf, "--name", n)
		p.Stdout, p.Stderr = logf, logf
		// Each node's agents keep their state (Dummy's state files) under
		// the node's own directory, as if the nodes were separate machines.
		rsctmp := filepath.Join(nd, "rsctmp")
		if err := os.MkdirAll(rsctmp, 0o755); err != nil {
			return crmexit.New(crmexit.CantCreate, "demo: %w", err)
		}
		p.Env = append(os.Environ(), "PACER_SOCKET=", "HA_RSCTMP="+rsctmp)
		// Own process group: the terminal's Ctrl-C goes to the demo, which stops
		// the nodes in order instead of all dying at once.
		p.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := p.Start(); err != nil {
			logf.Close()
			return crmexit.New(crmexit.OSErr, "demo: starting %s: %w", n, err)
		}
		logf.Close()
		procs = append(procs, p)
		wg.Add(1)
		go func(n string, p *exec.Cmd) {
			defer wg.Done()
			err := p.Wait()
			if ctx.Err() == nil {
				fmt.Fprintf(stderr, "crmd demo: %s exited: %v (log: %s)\n", n, err, filepath.Join(dir, n, "crmd.log"))
			}
		}(n, p)
	}
	fmt.Fprintf(stdout, "Starting a three-node demo cluster in %s ...\n", dir)
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	dc, err := waitSettled(sctx, names, socks)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return crmexit.New(crmexit.Timeout, "demo: the cluster did not form: %w (logs in %s)", err, dir)
	}
	if err := loadDemoConfig(sctx, socks[dc]); err != nil {
		return fmt.Errorf("demo: loading the example configuration: %w", err)
	}
	if dc, err = waitIdle(sctx, names, socks); err != nil && ctx.Err() == nil {
		return crmexit.New(crmexit.Timeout, "demo: the resources did not settle: %w (logs in %s)", err, dir)
	}
	fmt.Fprintf(stdout, "Cluster formed: DC is %s. Example configuration loaded and started.\n\n", dc)
	crmMon := filepath.Join(filepath.Dir(self), "crm_mon")
	if _, err := os.Stat(crmMon); err == nil {
		m := exec.CommandContext(ctx, crmMon, "-1")
		m.Env = append(os.Environ(), "PACER_SOCKET="+socks[dc], "CIB_file=")
		m.Stdout, m.Stderr = stdout, stderr
		if err := m.Run(); err != nil {
			fmt.Fprintf(stderr, "crmd demo: crm_mon -1: %v\n", err)
		}
	} else {
		fmt.Fprintf(stdout, "(crm_mon not found next to %s: build it with make)\n", self)
	}
	fmt.Fprintf(stdout, "\nPoint the tools at any node (each node's Dummy state files are in %s/NODE/rsctmp):\n", dir)
	for _, n := range names {
		fmt.Fprintf(stdout, "  export PACER_SOCKET=%s   # %s\n", socks[n], n)
	}
	fmt.Fprintf(stdout, "Logs: %s/node*/crmd.log. Press Ctrl-C to stop.\n", dir)
	<-ctx.Done()
	fmt.Fprintf(stdout, "\nStopping the demo cluster ...\n")
	stopAll()
	procs = nil
	fmt.Fprintf(stdout, "Stopped.\n")
	return nil
}

// waitSettled waits until every node sees the same ready DC with all three as
// members and holds the same CIB; it returns the DC.
func waitSettled(ctx context.Context, names []string, socks map[string]string) (string, error) {
	var last error
	for {
		dc, _, err := settledOnce(ctx, names, socks)
		if err == nil {
			return dc, nil
		}
		last = err
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// settledOnce checks the agreement once; doc0 is the CIB every node holds.
func settledOnce(ctx context.Context, names []string, socks map[string]string) (dc string, doc0 []byte, err error) {
	for i, n := range names {
		cl, err := ipc.Dial(ctx, socks[n])
		if err != nil {
			return "", nil, err
		}
		st, err := cl.Status(ctx)
		var doc []byte
		if err == nil {
			doc, _, err = cl.Query(ctx)
		}
		cl.Close()
		if err != nil {
			return "", nil, err
		}
		if i == 0 {
			dc, doc0 = st.DC, doc
		}
		if st.DC == "" || st.DC != dc || len(st.Members) != len(names) || string(doc) != string(doc0) {
			return "", nil, fmt.Errorf("%s: DC %q, members %v", n, st.DC, st.Members)
		}
		if n == dc && len(st.Partition) != len(names) {
			return "", nil, fmt.Errorf("DC %s has synced %v", n, st.Partition)
		}
	}
	return dc, doc0, nil
}

// waitIdle waits until the cluster has settled (see waitSettled) and the
// scheduler has nothing left to do on the CIB every node holds: every
// resource is where it should be and its result recorded. It returns the DC.
func waitIdle(ctx context.Context, names []string, socks map[string]string) (string, error) {
	var last error
	for {
		dc, doc, err := settledOnce(ctx, names, socks)
		if err == nil {
			err = idleDoc(doc)
		}
		if err == nil {
			return dc, nil
		}
		last = err
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// idleDoc reports an error unless scheduling the CIB gives an empty
// transition. It must be the document settledOnce found on every node: a
// second query of the DC can already hold a write (the last monitor's
// result) that the other nodes have not received yet, and a tool pointed at
// one of them right after the demo reports would still see work to do.
func idleDoc(doc []byte) error {
	g, err := scheduleGraph(doc)
	if err != nil {
		return err
	}
	if n := g.Len(); n > 0 {
		return fmt.Errorf("the scheduler still has %d actions to run", n)
	}
	return nil
}

// loadDemoConfig puts the example's crm_config, resources and constraints into the
// live CIB (nodes stay as the cluster registered them).
func loadDemoConfig(ctx context.Context, sock string) error {
	example, err := cib.Parse([]byte(demoCIB))
	if err != nil {
		return err
	}
	b, err := ipc.DialBackend(ctx, sock)
	if err != nil {
		return err
	}
	defer b.Close()
	return b.Update(ctx, func(c *cib.CIB) error {
		conf := c.Section("configuration")
		if conf == nil {
			return errors.New("live CIB has no configuration section")
		}
		for _, name := range []string{"crm_config", "resources", "constraints"} {
			if old := c.Section(name); old != nil {
				conf.RemoveChild(old)
			}
			conf.AddChild(example.Section(name).Copy())
		}
		v := c.Version()
		v.Epoch++
		v.NumUpdates = 0
		c.SetVersion(v)
		return nil
	})
}
