// Command crm_verify checks a CIB for errors, as Pacemaker's crm_verify does: XML
// well-formedness, conformance to the schema (element and attribute names, unique
// ids, references, scores) and common misconfigurations, with Pacemaker's wording
// and exit codes.
package main
