package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pacer-ha/pacer/crmexit"
)

const usageText = `Usage: crm_master <command> [<options>]

This command is deprecated. Use crm_attribute with the --promotion option
instead.`

func main() {
	args, err := translate(os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	if err != nil || args == nil {
		os.Exit(int(crmexit.Of(err)))
	}
	bin := crmAttributePath()
	// Replace this process, as the shell script's last line does.
	if err := syscall.Exec(bin, append([]string{"crm_attribute"}, args...), os.Environ()); err != nil {
		fmt.Fprintf(os.Stderr, "crm_master: cannot run %s: %v\n", bin, err)
		os.Exit(int(crmexit.NotInstalled))
	}
}

// crmAttributePath prefers the crm_attribute next to this binary (Pacer's),
// then the one on PATH.
func crmAttributePath() string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "crm_attribute")
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath("crm_attribute"); err == nil {
		return p
	}
	return "/usr/sbin/crm_attribute"
}

// translate parses crm_master's options and returns crm_attribute's
// arguments; nil arguments with a nil error mean "done" (--help).
func translate(argv []string, stdout, stderr io.Writer, getenv func(string) string) ([]string, error) {
	// The script sets the lifetime explicitly so the attribute is a node
	// attribute, not a cluster option; a later -l overrides it.
	out := []string{"--lifetime", "forever"}
	resource := getenv("OCF_RESOURCE_INSTANCE")
	var done bool
	exitUsage := func(msg string) error {
		if msg != "" {
			fmt.Fprintln(stderr, "error: "+msg)
		}
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, usageText)
		return crmexit.New(crmexit.Err, "usage")
	}
	cmd := &cobra.Command{
		Use:   "crm_master",
		Short: "crm_master - Query, update, or delete a resource's promotion score",
		Long: `crm_master - Query, update, or delete a resource's promotion score

` + usageText,
		Example: `  From an OCF agent (OCF_RESOURCE_INSTANCE set):
	crm_master -l reboot -v 100
	crm_master -l reboot -D`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          func(*cobra.Command, []string) error { return nil },
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.SortFlags = false
	var verbose int
	var quiet, query, del, version, getValue, deleteAttr, qFlag bool
	var update, node, lifetime, id, uname, attrValue, attrID string
	f.CountVarP(&verbose, "verbose", "V", "Increase debug output")
	f.BoolVarP(&quiet, "quiet", "q", false, "Print only the value on stdout")
	f.BoolVarP(&query, "query", "G", false, "Query the current value of the promotion score")
	f.StringVarP(&update, "update", "v", "", "Update the value of the promotion score")
	f.BoolVarP(&del, "delete", "D", false, "Delete the promotion score")
	f.StringVarP(&node, "node", "N", "", "Set the score for the named node (instead of the local one)")
	f.StringVarP(&lifetime, "lifetime", "l", "", "Lifetime of the score: reboot or forever")
	f.StringVarP(&id, "id", "i", "", "(Advanced) XML ID of the nvpair")
	f.StringVarP(&resource, "resource", "r", resource, "Resource (instead of OCF_RESOURCE_INSTANCE)")
	f.BoolVar(&version, "version", false, "Display software version and exit")
	f.StringVarP(&uname, "uname", "U", "", "Deprecated: use --node")
	f.BoolVarP(&qFlag, "get-value-short", "Q", false, "Deprecated: use --query")
	f.BoolVar(&getValue, "get-value", false, "Deprecated: use --query")
	f.BoolVar(&deleteAttr, "delete-attr", false, "Deprecated: use --delete")
	f.StringVar(&attrValue, "attr-value", "", "Deprecated: use --update")
	f.StringVar(&attrID, "attr-id", "", "Deprecated: use --id")
	for _, n := range []string{"uname", "get-value-short", "get-value", "delete-attr", "attr-value", "attr-id"} {
		f.Lookup(n).Hidden = true
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		fmt.Fprintf(stderr, "crm_master: %v\n", err)
		return exitUsage("")
	})
	cmd.SetHelpFunc(func(*cobra.Command, []string) {
		fmt.Fprintln(stdout, "crm_master - Query, update, or delete a resource's promotion score")
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, usageText)
		done = true
	})
	cmd.SetArgs(argv)
	if err := cmd.Execute(); err != nil {
		return nil, err
	}
	if done {
		return nil, nil
	}
	if version {
		return []string{"--version"}, nil
	}
	// Pass the options on in the order crm_attribute expects them.
	f.Visit(func(fl *pflag.Flag) {
		switch fl.Name {
		case "verbose":
			for i := 0; i < verbose; i++ {
				out = append(out, "-V")
			}
		case "quiet", "query", "delete", "get-value", "delete-attr":
			out = append(out, "--"+fl.Name)
		case "get-value-short":
			out = append(out, "-Q")
		case "update", "node", "lifetime", "id", "uname", "attr-value", "attr-id":
			out = append(out, "--"+fl.Name, fl.Value.String())
		}
	})
	if resource == "" {
		return nil, exitUsage("No resource specified")
	}
	return append([]string{"-n", "master-" + resource}, out...), nil
}
