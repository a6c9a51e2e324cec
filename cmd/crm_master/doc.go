// Command crm_master is Pacer's drop-in for Pacemaker's deprecated
// crm_master script: it turns its options into a crm_attribute call on the
// node attribute master-$OCF_RESOURCE_INSTANCE (lifetime forever unless -l
// says otherwise) and runs Pacer's crm_attribute from the same directory.
package main
