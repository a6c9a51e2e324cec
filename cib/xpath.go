package cib

import "github.com/beevik/etree"

// XPath returns the elements the expression selects, in document order.
func (c *CIB) XPath(expr string) ([]*etree.Element, error) {
	p, err := etree.CompilePath(expr)
	if err != nil {
		return nil, errorf(2, "invalid XPath %q: %v", expr, err)
	}
	return c.doc.FindElementsPath(p), nil
}
