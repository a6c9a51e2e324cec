// Command crm_mon shows the cluster's status in Pacemaker 2.1.5's crm_mon
// layout: one-shot text (-1), the nagios one-liner (-s) and --output-as=xml,
// on the live cluster or on a CIB file named by CIB_file.
package main
