/* Keeps the test support library non-empty. */
typedef int pl_test_support_empty;
