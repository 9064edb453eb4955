/*
 * test_sandbox_arch.c - the seccomp policy tables on other architectures
 * than this machine's: libseccomp builds both filters for aarch64 (and
 * x86_64) here, and every call the tables name either exists there or is
 * one of the calls that architecture never had, which the policy must
 * (and does) tolerate: its glibc uses the *at and p* variants instead.
 *
 * The module is included so that its tables and compile() can be reached.
 */
#include "../../src/sandbox.c"

#include <setjmp.h>
#include <cmocka.h>

/* Named in the tables, absent from aarch64 (asm-generic) by design. */
static const char *const absent_aarch64[] = {
	"open", "stat", "lstat", "access", "readlink", "poll", "dup2",
	"getdents", "unlink", "fork", "vfork",
	"mkdir",	/* coverage builds' group; mkdirat is listed too */
};

static int
listed(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

/* Every name of policy resolves on arch, or is listed as absent there. */
static void
check_names(const struct sbx_group *policy, size_t ngroups, uint32_t arch,
    const char *const *absent, size_t nabsent, int *nabsent_seen)
{
	for (size_t g = 0; g < ngroups; g++)
		for (size_t i = 0; i < policy[g].n; i++) {
			const char *name = policy[g].calls[i].name;
			int nr = seccomp_syscall_resolve_name_arch(arch, name);

			if (nr >= 0) {
				if (listed(name, absent, nabsent))
					fail_msg("%s exists on arch %#x: not absent",
					    name, arch);
				continue;
			}
			if (!listed(name, absent, nabsent))
				fail_msg("%s: no such call on arch %#x", name,
				    arch);
			(*nabsent_seen)++;
		}
}

static void
build_for(uint32_t arch, const char *const *absent, size_t nabsent)
{
	struct sock_fprog ses = { 0, NULL }, acc = { 0, NULL },
	    mn = { 0, NULL };
	uint64_t self = (uint64_t)getpid();
	int seen = 0;

	check_names(ses_policy, NGROUPS(ses_policy), arch, absent, nabsent,
	    &seen);
	check_names(acc_policy, NGROUPS(acc_policy), arch, absent, nabsent,
	    &seen);
	check_names(main_policy, NGROUPS(main_policy), arch, absent, nabsent,
	    &seen);
	check_names(spw_policy, NGROUPS(spw_policy), arch, absent, nabsent,
	    &seen);
	{
		struct sock_fprog spw = { 0, NULL };

		assert_int_equal(compile(spw_policy, NGROUPS(spw_policy),
		    SBX_ALLOW_LIST, self, arch, &spw), 0);
		free(spw.filter);
	}
	assert_int_equal(compile(ses_policy, NGROUPS(ses_policy),
	    SBX_ALLOW_LIST, self, arch, &ses), 0);
	assert_int_equal(compile(acc_policy, NGROUPS(acc_policy),
	    SBX_ALLOW_LIST, self, arch, &acc), 0);
	assert_int_equal(compile(main_policy, NGROUPS(main_policy),
	    SBX_DENY_LIST, self, arch, &mn), 0);
	print_message("arch %#x: session %u, acceptor %u, main %u "
	    "instructions; %d named calls absent\n", arch, ses.len, acc.len,
	    mn.len, seen);
	assert_true(ses.len > 4 && acc.len > ses.len && mn.len > 4);
	/* The program checks the architecture first: aarch64's token. */
	assert_int_equal(ses.filter[0].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(ses.filter[0].k, offsetof(struct seccomp_data, arch));
	assert_int_equal(ses.filter[1].k, arch);
	free(ses.filter);
	free(acc.filter);
	free(mn.filter);
}

static void
aarch64(void **state)
{
	(void)state;
	build_for(SCMP_ARCH_AARCH64, absent_aarch64,
	    sizeof(absent_aarch64) / sizeof(absent_aarch64[0]));
}

/* x86_64 has every call the tables name. */
static void
x86_64(void **state)
{
	(void)state;
	build_for(SCMP_ARCH_X86_64, NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aarch64),
		cmocka_unit_test(x86_64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
