package lrmd

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// validName rejects agent, provider and unit names that could escape their
// directory.
func validName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\x00")
}

// isExecutable reports whether path is a regular file someone may execute.
func isExecutable(path string) (bool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0, nil
}

// AgentNotFoundError says why an agent could not be located.
type AgentNotFoundError struct {
	Class, Provider, Type string
	Reason                string
}

// Error is worded as Pacemaker's executor words it ("Nope: No such file or
// directory").
func (e *AgentNotFoundError) Error() string {
	return fmt.Sprintf("%s: %s", e.Type, e.Reason)
}

func agentSpec(class, provider, typ string) string {
	if provider != "" {
		return class + ":" + provider + ":" + typ
	}
	return class + ":" + typ
}

// resolvedAgent is an agent located on disk.
type resolvedAgent struct {
	class   string // effective class (service resolves to lsb or systemd)
	path    string // executable for ocf/lsb
	ocfRoot string // the OCF root it was found under
}

// ocfPath finds an OCF agent in the OCF roots, first root first.
func (e *Executor) ocfPath(provider, typ string) (resolvedAgent, error) {
	if !validName(provider) || !validName(typ) {
		return resolvedAgent{}, &AgentNotFoundError{ClassOCF, provider, typ, "invalid provider or agent name"}
	}
	var lastErr string
	for _, root := range e.opts.OCFRoots {
		p := filepath.Join(root, "resource.d", provider, typ)
		ok, err := isExecutable(p)
		if err != nil {
			if !os.IsNotExist(err) {
				lastErr = err.Error()
			}
			continue
		}
		if !ok {
			return resolvedAgent{}, &AgentNotFoundError{ClassOCF, provider, typ, p + " is not executable"}
		}
		return resolvedAgent{class: ClassOCF, path: p, ocfRoot: root}, nil
	}
	if lastErr == "" {
		lastErr = "No such file or directory"
	}
	return resolvedAgent{}, &AgentNotFoundError{ClassOCF, provider, typ, lastErr}
}

func (e *Executor) lsbPath(typ string) (resolvedAgent, error) {
	if !validName(typ) {
		return resolvedAgent{}, &AgentNotFoundError{ClassLSB, "", typ, "invalid script name"}
	}
	p := filepath.Join(e.opts.LSBDir, typ)
	ok, err := isExecutable(p)
	if err != nil {
		return resolvedAgent{}, &AgentNotFoundError{ClassLSB, "", typ, "No such file or directory"}
	}
	if !ok {
		return resolvedAgent{}, &AgentNotFoundError{ClassLSB, "", typ, p + " is not executable"}
	}
	return resolvedAgent{class: ClassLSB, path: p}, nil
}

// resolve locates the agent of a request.
func (e *Executor) resolve(class, provider, typ string) (resolvedAgent, error) {
	switch class {
	case ClassOCF:
		return e.ocfPath(provider, typ)
	case ClassLSB:
		return e.lsbPath(typ)
	case ClassSystemd:
		if !e.systemdRunning() {
			return resolvedAgent{}, &AgentNotFoundError{class, "", typ, "systemd is not running on this node"}
		}
		if !validName(typ) {
			return resolvedAgent{}, &AgentNotFoundError{class, "", typ, "invalid unit name"}
		}
		return resolvedAgent{class: ClassSystemd}, nil
	case ClassService:
		// Pacemaker's "service" is whichever init system has the service:
		// an LSB script first, else a systemd unit.
		if a, err := e.lsbPath(typ); err == nil {
			return a, nil
		}
		if e.systemdRunning() && validName(typ) {
			return resolvedAgent{class: ClassSystemd}, nil
		}
		return resolvedAgent{}, &AgentNotFoundError{class, "", typ, "no LSB script or systemd unit of that name"}
	case ClassStonith:
		if e.opts.Fencer == nil {
			return resolvedAgent{}, &AgentNotFoundError{class, "", typ, "no fencing executor configured"}
		}
		return resolvedAgent{class: ClassStonith}, nil
	}
	return resolvedAgent{}, &AgentNotFoundError{class, provider, typ, "unknown resource class"}
}

func (e *Executor) systemdRunning() bool {
	if e.opts.SystemdRunning != nil {
		return e.opts.SystemdRunning()
	}
	fi, err := os.Stat("/run/systemd/system")
	return err == nil && fi.IsDir()
}

// Standards lists the resource classes this node supports, in Pacemaker's
// order.
func (e *Executor) Standards() []string {
	out := []string{ClassOCF, ClassLSB, ClassService}
	if e.systemdRunning() {
		out = append(out, ClassSystemd)
	}
	return append(out, ClassStonith)
}

// Providers lists the OCF providers found in all OCF roots, sorted.
func (e *Executor) Providers() []string {
	seen := map[string]bool{}
	for _, root := range e.opts.OCFRoots {
		ents, err := os.ReadDir(filepath.Join(root, "resource.d"))
		if err != nil {
			continue
		}
		for _, d := range ents {
			if d.IsDir() || isDirLink(filepath.Join(root, "resource.d", d.Name())) {
				seen[d.Name()] = true
			}
		}
	}
	return sortedKeys(seen)
}

func isDirLink(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// executables lists the executable regular files of dir (not hidden).
func executables(dir string, into map[string]bool) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, d := range ents {
		if strings.HasPrefix(d.Name(), ".") {
			continue
		}
		if ok, _ := isExecutable(filepath.Join(dir, d.Name())); ok {
			into[d.Name()] = true
		}
	}
}

// Agents lists the agents of a class (and, for ocf, a provider; an empty
// provider lists every provider's agents). Systemd units are listed by
// Options.ListUnits.
func (e *Executor) Agents(class, provider string) ([]string, error) {
	found := map[string]bool{}
	switch class {
	case ClassOCF:
		provs := e.Providers()
		if provider != "" {
			if !validName(provider) {
				return nil, fmt.Errorf("invalid provider %q", provider)
			}
			provs = []string{provider}
		}
		for _, root := range e.opts.OCFRoots {
			for _, p := range provs {
				executables(filepath.Join(root, "resource.d", p), found)
			}
		}
	case ClassLSB:
		executables(e.opts.LSBDir, found)
	case ClassSystemd, ClassService:
		if class == ClassService {
			executables(e.opts.LSBDir, found)
		}
		if e.systemdRunning() && e.opts.ListUnits != nil {
			units, err := e.opts.ListUnits()
			if err != nil {
				return nil, fmt.Errorf("listing systemd units: %w", err)
			}
			for _, u := range units {
				found[u] = true
			}
		}
	case ClassStonith:
		if e.opts.Fencer != nil {
			list, err := e.opts.Fencer.Agents()
			if err != nil {
				return nil, err
			}
			for _, a := range list {
				found[a] = true
			}
		}
	default:
		return nil, fmt.Errorf("unknown resource class %q", class)
	}
	return sortedKeys(found), nil
}
