package cluster

import (
	"errors"
	"fmt"

	"github.com/beevik/etree"
)

// parseDoc parses CIB XML and returns its root element.
func parseDoc(data []byte) (*etree.Element, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("parse CIB XML: %w", err)
	}
	if doc.Root() == nil {
		return nil, errors.New("parse CIB XML: no root element")
	}
	return doc.Root(), nil
}
