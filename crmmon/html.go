package crmmon

import (
	"io"

	"github.com/pacer-ha/pacer/cluster"
)

// HTMLOptions are crm_mon's --html-* flags.
type HTMLOptions struct {
	Title      string // --html-title; "Cluster Status" when empty
	Stylesheet string // --html-stylesheet: a link to an external stylesheet
	CGI        bool   // --html-cgi: a CGI header first
}

// RenderHTML writes crm_mon --output-as=html.
func RenderHTML(w io.Writer, c *cluster.Cluster, h Header, opts Options, ho HTMLOptions) error {
	return nil
}
