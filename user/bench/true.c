/* true - static glibc `true` for the fork+execve benchmark (the full glibc start-up). */
int main(void)
{
	return 0;
}
