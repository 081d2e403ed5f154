// Every cluster test starts several dtrain processes that train on both cores; run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
