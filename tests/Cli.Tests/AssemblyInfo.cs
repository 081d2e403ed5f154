// The CLI tests train real models on both cores; run them one at a time so asynchronous training is
// measured on the machine it is sized for, not against a sibling test that halves its CPU.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
