/* true: exits with status 0 (exec target of the process-creation tests). */
int main(void)
{
	return 0;
}
