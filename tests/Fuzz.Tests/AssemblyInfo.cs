// The fuzz properties run one at a time: each bounds the time of one case and the bulk-frame property the bytes
// the server allocates (a process-wide count), and a neighbour's cases running beside them in the same process
// would be counted against them (300 hostile connections "allocated" 418 MiB, a config "took" 5.1 s, on a loaded
// CI machine, while each passes alone with a wide margin).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
