package crmlevels

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pacer-ha/pacer/lrmd"
)

// Agents is what crm ra needs from the executor (lrmd.Executor).
type Agents interface {
	Standards() []string
	Providers() []string
	Agents(class, provider string) ([]string, error)
	Metadata(ctx context.Context, class, provider, typ string) (*lrmd.Metadata, error)
}

// Classes writes crm ra classes: the classes sorted, ocf followed by its
// providers.
func Classes(w io.Writer, ex Agents) error {
	cl := append([]string(nil), ex.Standards()...)
	sort.Strings(cl)
	for _, c := range cl {
		if c == "ocf" {
			fmt.Fprintf(w, "ocf / %s\n", strings.Join(ex.Providers(), " "))
			continue
		}
		fmt.Fprintln(w, c)
	}
	return nil
}

// Providers writes crm ra providers TYPE [CLASS]: the OCF providers that
// have the agent.
func Providers(w io.Writer, ex Agents, typ string) error {
	var out []string
	for _, p := range ex.Providers() {
		list, err := ex.Agents("ocf", p)
		if err != nil {
			continue
		}
		for _, a := range list {
			if a == typ {
				out = append(out, p)
				break
			}
		}
	}
	_, err := fmt.Fprintln(w, strings.Join(out, " "))
	return err
}

// List writes crm ra list CLASS [PROVIDER]: the agents, sorted and unique,
// in columns over 80 characters as crmsh prints them.
func List(w io.Writer, ex Agents, class, provider string) error {
	known := false
	for _, s := range ex.Standards() {
		known = known || s == class
	}
	if !known {
		return fmt.Errorf("class %s does not exist", class)
	}
	list, err := ex.Agents(class, provider)
	if err != nil {
		return fmt.Errorf("list %s: %w", class, err)
	}
	seen := map[string]bool{}
	var names []string
	for _, a := range list {
		if !seen[a] {
			seen[a] = true
			names = append(names, a)
		}
	}
	sort.Strings(names)
	_, err = io.WriteString(w, Columns(names, 80))
	return err
}

// Columns lays names out row by row in equal columns filling width: each
// column is the longest name plus two, widened to share the spare room; the
// last cell of a full row is not padded.
func Columns(names []string, width int) string {
	if len(names) == 0 {
		return ""
	}
	maxLen := 0
	for _, n := range names {
		maxLen = max(maxLen, len(n))
	}
	col := maxLen + 2
	ncols := max(width/col, 1)
	col += (width - ncols*col) / ncols
	var b strings.Builder
	for i := 0; i < len(names); i += ncols {
		row := names[i:min(i+ncols, len(names))]
		for j, n := range row {
			b.WriteString(n)
			if j < len(row)-1 || len(row) < ncols {
				b.WriteString(strings.Repeat(" ", max(col-len(n), 1)))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
