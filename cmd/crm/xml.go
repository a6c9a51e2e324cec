package main

import "github.com/beevik/etree"

func newDoc(root *etree.Element) *etree.Document {
	d := etree.NewDocument()
	d.SetRoot(root)
	return d
}
