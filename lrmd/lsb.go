package lrmd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// lsbXMLEscaper escapes what Pacemaker escapes in generated meta-data:
// only &, < and > (quotes stay as they are).
var lsbXMLEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// lsbMetadata builds OCF-style meta-data from an init script's LSB header
// ("### BEGIN INIT INFO" ... "### END INIT INFO"), laid out as Pacemaker
// lays it out: header values keep their spacing and line end.
func lsbMetadata(path, name string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	fields := map[string]string{}
	var longDesc strings.Builder
	hasLong, inDesc, inHeader := false, false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "### BEGIN INIT INFO") {
			inHeader = true
			continue
		}
		if !inHeader {
			continue
		}
		if strings.HasPrefix(line, "### END INIT INFO") {
			break
		}
		if inDesc && len(line) > 1 && line[0] == '#' && (line[1] == ' ' || line[1] == '\t') && !isLSBKeyLine(line) {
			longDesc.WriteString(line[1:] + "\n")
			continue
		}
		inDesc = false
		key, val, ok := strings.Cut(strings.TrimPrefix(line, "# "), ":")
		if !ok || !strings.HasPrefix(line, "# ") {
			continue
		}
		switch key {
		case "Description":
			hasLong, inDesc = true, true
			longDesc.WriteString(val + "\n")
		case "Provides", "Required-Start", "Required-Stop", "Should-Start", "Should-Stop",
			"Default-Start", "Default-Stop", "Short-Description":
			fields[key] = val + "\n"
		}
	}
	short, ok := fields["Short-Description"]
	if !ok {
		short = name
	}
	long := longDesc.String()
	if !hasLong {
		long = name
	}
	var b strings.Builder
	b.WriteString("<?xml version='1.0'?>\n<!DOCTYPE resource-agent SYSTEM 'ra-api-1.dtd'>\n")
	fmt.Fprintf(&b, "<resource-agent name='%s' version='0.1'>\n  <version>1.0</version>\n", lsbXMLEscaper.Replace(name))
	fmt.Fprintf(&b, "  <longdesc lang='en'>\n%s  </longdesc>\n", lsbXMLEscaper.Replace(long))
	fmt.Fprintf(&b, "  <shortdesc lang='en'>%s</shortdesc>\n", lsbXMLEscaper.Replace(short))
	b.WriteString(`  <parameters>
  </parameters>
  <actions>
    <action name='meta-data'    timeout='5' />
    <action name='start'        timeout='15' />
    <action name='stop'         timeout='15' />
    <action name='status'       timeout='15' />
    <action name='restart'      timeout='15' />
    <action name='force-reload' timeout='15' />
    <action name='monitor'      timeout='15' interval='15' />
  </actions>
  <special tag='LSB'>
`)
	for _, k := range []string{"Provides", "Required-Start", "Required-Stop", "Should-Start", "Should-Stop", "Default-Start", "Default-Stop"} {
		fmt.Fprintf(&b, "    <%s>%s</%s>\n", k, lsbXMLEscaper.Replace(fields[k]), k)
	}
	b.WriteString("  </special>\n</resource-agent>\n")
	return []byte(b.String()), nil
}

// isLSBKeyLine reports whether a comment line starts a new "# Key:" field.
func isLSBKeyLine(line string) bool {
	rest := strings.TrimPrefix(line, "# ")
	if rest == line {
		return false
	}
	key, _, ok := strings.Cut(rest, ":")
	return ok && key != "" && !strings.ContainsAny(key, " \t")
}

func (e *Executor) lsbMetadataResult(res Result, path string) Result {
	md, err := lsbMetadata(path, res.Request.Type)
	if err != nil {
		res.RC, res.Status, res.ExitReason = OCFNotInstalled, StatusNotInstalled, err.Error()
		return complete(res)
	}
	res.RC, res.Status, res.Stdout = OCFSuccess, StatusDone, string(md)
	return complete(res)
}

// systemdMetadata is the generic meta-data of a systemd unit.
func systemdMetadata(unit string) []byte {
	u := lsbXMLEscaper.Replace(unit)
	return []byte(`<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="` + u + `" version="0.1">
  <version>1.1</version>
  <longdesc lang="en">
    systemd unit file for ` + u + `
  </longdesc>
  <shortdesc lang="en">systemd unit file for ` + u + `</shortdesc>
  <parameters/>
  <actions>
    <action name="start"     timeout="100" />
    <action name="stop"      timeout="100" />
    <action name="status"    timeout="100" />
    <action name="monitor"   timeout="100" interval="60"/>
    <action name="meta-data" timeout="5" />
  </actions>
  <special tag="systemd"/>
</resource-agent>
`)
}

func unitName(typ string) string {
	for _, suf := range []string{".service", ".socket", ".mount", ".timer", ".path", ".target"} {
		if strings.HasSuffix(typ, suf) {
			return typ
		}
	}
	return typ + ".service"
}

// execSystemd runs an action on a systemd unit through systemctl.
func (e *Executor) execSystemd(ctx context.Context, res Result, spec runSpec) Result {
	req := res.Request
	unit := unitName(req.Type)
	switch req.Action {
	case "meta-data":
		res.RC, res.Status, res.Stdout = OCFSuccess, StatusDone, string(systemdMetadata(req.Type))
		return complete(res)
	case "start", "stop":
		spec.args = []string{req.Action, unit}
	case "monitor", "status":
		spec.args = []string{"is-active", "--quiet", unit}
	case "reload":
		spec.args = []string{"reload", unit}
	default:
		res.RC, res.Status = OCFUnimplemented, StatusNotSupported
		res.ExitReason = fmt.Sprintf("systemd units do not support the %s action", req.Action)
		return complete(res)
	}
	path, err := exec.LookPath(e.opts.Systemctl)
	if err != nil {
		res.RC, res.Status, res.ExitReason = OCFNotInstalled, StatusNotInstalled, "systemctl not found"
		return complete(res)
	}
	spec.path = path
	spec.env = e.lsbEnv()
	pr := runProcess(ctx, spec)
	applyProc(&res, pr, ClassSystemd, req, time.Duration(req.TimeoutMS)*time.Millisecond)
	if res.Status == StatusDone {
		switch req.Action {
		case "monitor", "status":
			if res.RC != 0 {
				res.RC = OCFNotRunning
			}
		default:
			if res.RC != 0 {
				res.RC = OCFUnknownError
			}
		}
	}
	return complete(res)
}
