package resourcecmd

import (
	"fmt"
	"io"
	"strings"
)

// GetoptMessage words a cobra/pflag command-line error as GNU getopt does,
// for the tools Pacemaker ships as shell scripts (crm_standby,
// crm_failcount).
func GetoptMessage(tool string, err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "unknown shorthand flag: "):
		// unknown shorthand flag: 'x' in -x
		c := strings.TrimPrefix(msg, "unknown shorthand flag: ")
		if i := strings.Index(c, " in "); i >= 0 {
			c = c[:i]
		}
		return fmt.Sprintf("%s: invalid option -- %s", tool, c)
	case strings.HasPrefix(msg, "unknown flag: "):
		return fmt.Sprintf("%s: unrecognized option '%s'", tool, strings.TrimPrefix(msg, "unknown flag: "))
	case strings.HasPrefix(msg, "flag needs an argument: "):
		name := strings.Trim(strings.TrimPrefix(msg, "flag needs an argument: "), "'")
		if i := strings.Index(name, " in "); i >= 0 {
			return fmt.Sprintf("%s: option requires an argument -- '%s'", tool, strings.Trim(name[:i], "'"))
		}
		return fmt.Sprintf("%s: option '%s' requires an argument", tool, name)
	}
	return fmt.Sprintf("%s: %s", tool, msg)
}

// ScriptUsage prints what the shell scripts' exit_usage prints: an optional
// "error: ..." line on stderr, then a blank line and the usage on stdout.
func ScriptUsage(stdout, stderr io.Writer, usage, errMsg string) {
	if errMsg != "" {
		fmt.Fprintf(stderr, "error: %s\n", errMsg)
	}
	fmt.Fprintf(stdout, "\n%s\n", usage)
}
