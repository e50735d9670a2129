// Linux interfaces that Glibc's Swift module leaves out and the part fast path needs
// (Relay/HTTP/PartFastPath): headers only, nothing to compile or link.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
