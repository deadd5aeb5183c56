// The tests count refusals on process-wide meters (MeterListener by meter name) and each starts real hosts:
// one at a time, so that one test's counts are not another's, and the 2-core machine is not oversubscribed.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
