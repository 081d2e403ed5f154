// The agreement checks of the image, normalization, recurrent and data-movement kernels.
using Dtrain.Models.Backends;

namespace Dtrain.Models.Tests.Backends;

public abstract partial class BackendAgreementTests
{
    public static TheoryData<int, int, int, int, int, int, int, int, bool> ConvGeometries()
    {
        // On the CPU accelerator (4 x 4 groups, one multiprocessor) the weight gradient's GEMM takes 16 x 16 tiles and
        // splits a chunk into partial sums when dw has fewer than 4 tiles; a chunk is as many examples as the slots hold.
        var data = new TheoryData<int, int, int, int, int, int, int, int, bool>();
        (int Channels, int Size, int Kernel, int Stride, int Pad, int Slots, int Batch, int Filters)[] cases =
        [
            (3, 8, 3, 1, 1, 2, 3, 5),   // chunks of 2 (split one example a slot) and 1 (one product)
            (2, 9, 5, 2, 0, 1, 3, 5),   // strided, one example a chunk
            (4, 5, 1, 1, 0, 1, 3, 5),   // pointwise: dy x^T, no im2col
            (3, 8, 3, 1, 1, 5, 7, 5),   // chunks of 5 (slots of 3 and a ragged 2) and 2
            (4, 8, 1, 1, 0, 6, 6, 5),   // pointwise, split into three slots of two examples
            (3, 6, 3, 2, 1, 2, 3, 21),  // 21 filters x 27 patch: several tiles, neither a multiple of one
            (3, 7, 5, 1, 2, 2, 3, 70),  // 70 x 75 also spills past the 64 x 64 tiles of a GPU
        ];
        foreach (var c in cases)
        {
            foreach (var accumulate in new[] { true, false })
            {
                data.Add(c.Channels, c.Size, c.Kernel, c.Stride, c.Pad, c.Slots, c.Batch, c.Filters, accumulate);
            }
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(ConvGeometries))]
    public void Conv2d_forward_and_backward_agree(int channels, int size, int kernel, int stride, int pad, int slots, int batch, int filters, bool accumulate)
    {
        RequireDevice();
        var g = new Window2d(channels, size, size, kernel, kernel, stride, stride, pad, pad);
        var (x, w, bias) = (Random(batch * g.InputSize), Random(filters * g.PatchSize), Random(filters));
        var (y, dy, columns) = (Random(batch * filters * g.OutputPlane), Random(batch * filters * g.OutputPlane), Random(slots * g.ColumnSize));

        // Without accumulate the gradients are overwritten: NaN left there must not leak in.
        var (dw, db, dx) = accumulate
            ? (Random(filters * g.PatchSize), Random(filters), Random(batch * g.InputSize))
            : (NaNs(filters * g.PatchSize), NaNs(filters), NaNs(batch * g.InputSize));
        Both((be, t) =>
        {
            be.Conv2dForward(g, filters, batch, t(x), t(w), t(bias), t(y), t(columns));
            be.Conv2dBackward(g, filters, batch, t(x), t(w), t(dy), t(dw), t(db), accumulate, t(dx), accumulate, t(columns));
        });
        AssertAgree(y, dw, db, dx);
        AssertNoNaN(dw, "dw");
        AssertNoNaN(db, "db");
        AssertNoNaN(dx, "dx");
    }

    [SkippableTheory]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void Conv2d_forward_with_a_fused_activation_agrees(Activation f)
    {
        RequireDevice();
        var g = new Window2d(3, 9, 9, 3, 3, 1, 1, 1, 1);
        var (batch, filters) = (5, 7);
        var (x, w, bias) = (Random(batch * g.InputSize), Random(filters * g.PatchSize), Random(filters));
        var (y, columns) = (NaNs(batch * filters * g.OutputPlane), Random(2 * g.ColumnSize));
        Both((be, t) => be.Conv2dForward(g, filters, batch, t(x), t(w), t(bias), t(y), t(columns), f));
        AssertAgree(y);
        AssertNoNaN(y, "y");
    }

    [SkippableTheory]
    [InlineData(2, 2, 0)]
    [InlineData(3, 2, 1)]
    [InlineData(3, 1, 0)]
    public void Max_and_average_pooling_agree(int kernel, int stride, int pad)
    {
        RequireDevice();
        var (batch, g) = (2, new Window2d(3, 7, 6, kernel, kernel, stride, stride, pad, pad));
        var pooled = batch * g.Channels * g.OutputPlane;
        var (x, y, argmax, dy, dx) = (Random(batch * g.InputSize), Random(pooled), Random(pooled), Random(pooled), Random(batch * g.InputSize));
        var (avg, davg) = (Random(pooled), Random(batch * g.InputSize));
        Both((be, t) =>
        {
            be.MaxPool2dForward(g, batch, t(x), t(y), t(argmax));
            be.MaxPool2dBackward(g, batch, t(dy), t(argmax), t(dx), accumulate: true);
            be.AvgPool2dForward(g, batch, t(x), t(avg));
            be.AvgPool2dBackward(g, batch, t(dy), t(davg), accumulate: false);
        });
        AssertAgree(y, dx, avg, davg);
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(5)]
    public void Batch_norm_training_inference_and_backward_agree(int inner)
    {
        RequireDevice();
        var (n, channels) = (6, 3);
        var size = n * channels * inner;
        var (x, gamma, beta, mean, variance) = (Random(size, -2f, 3f), Random(channels), Random(channels), Random(channels), Random(channels, 0.5f, 2f));
        var (y, saved, dy, sums, dx, dgamma, dbeta, yi) = (Random(size), Random(2 * channels), Random(size), Random(2 * channels), Random(size), Random(channels), Random(channels), Random(size));
        Both((be, t) =>
        {
            be.BatchNormTraining(t(x), t(gamma), t(beta), t(mean), t(variance), t(y), t(saved), n, channels, inner, 0.1f, 1e-5f);
            be.BatchNormBackward(t(x), t(gamma), t(dy), t(saved), t(sums), t(dx), t(dgamma), t(dbeta), n, channels, inner, true, true);
            be.BatchNormInference(t(x), t(gamma), t(beta), t(mean), t(variance), t(yi), n, channels, inner, 1e-5f);
        });
        AssertAgree(y, saved, mean, variance, dx, dgamma, dbeta, yi);
    }

    [SkippableFact]
    public void Layer_norm_and_its_gradients_agree()
    {
        RequireDevice();
        var (rows, cols) = (7, 33);
        var (x, gamma, beta, y, saved) = (Random(rows * cols, -2f, 3f), Random(cols), Random(cols), Random(rows * cols), Random(2 * rows));
        var (dy, dx, dgamma, dbeta) = (Random(rows * cols), Random(rows * cols), Random(cols), Random(cols));
        Both((be, t) =>
        {
            be.LayerNorm(t(x), t(gamma), t(beta), t(y), t(saved), rows, cols, 1e-5f);
            be.LayerNormBackward(t(x), t(gamma), t(dy), t(saved), t(dx), t(dgamma), t(dbeta), rows, cols, false, true);
        });
        AssertAgree(y, saved, dx, dgamma, dbeta);
    }

    [SkippableFact]
    public void Recurrent_steps_agree_on_strided_time_steps()
    {
        RequireDevice();
        var (rows, steps, units) = (3, 4, 5);

        // Step 2 of (rows, steps, k units) sequences: rows steps * k units apart.
        StridedMatrix Step(Func<Pair, Models.Tensors.Tensor> t, Pair p, int width) => StridedMatrix.Step(t(p), 2, rows, steps, width);
        var seq = (int width) => Random(rows * steps * width);
        var (rnn, h, drnn, dh) = (seq(units), seq(units), seq(units), seq(units));
        var (lstm, cPrev, c, lh, dc, dl) = (seq(4 * units), seq(units), seq(units), seq(units), seq(units), seq(4 * units));
        var (gru, hU, hPrev, hn, gh, dgru, drec, gdh) = (seq(3 * units), seq(3 * units), seq(units), seq(units), seq(units), seq(3 * units), seq(3 * units), seq(units));
        var (bias, lbias, gbias, rbias) = (Random(units), Random(4 * units), Random(3 * units), Random(3 * units));
        var (copy, added, filled) = (seq(units), seq(units), seq(units));
        Both((be, t) =>
        {
            be.RnnForwardStep(Step(t, rnn, units), t(bias), Step(t, h, units), rows, units);
            be.RnnBackwardStep(Step(t, rnn, units), Step(t, dh, units), Step(t, drnn, units), rows, units);
            be.LstmForwardStep(Step(t, lstm, 4 * units), t(lbias), Step(t, cPrev, units), Step(t, c, units), Step(t, lh, units), rows, units);
            be.LstmBackwardStep(Step(t, lstm, 4 * units), Step(t, cPrev, units), Step(t, c, units), Step(t, dh, units), Step(t, dc, units), Step(t, dl, 4 * units), rows, units);
            be.GruForwardStep(Step(t, gru, 3 * units), t(gbias), Step(t, hU, 3 * units), t(rbias), Step(t, hPrev, units), Step(t, hn, units), Step(t, gh, units), rows, units);
            be.GruBackwardStep(Step(t, gru, 3 * units), Step(t, hn, units), Step(t, hPrev, units), Step(t, gdh, units), Step(t, dgru, 3 * units), Step(t, drec, 3 * units), rows, units);
            be.CopyRows(Step(t, h, units), Step(t, copy, units), rows, units);
            be.AddRows(Step(t, h, units), Step(t, added, units), rows, units);
            be.FillRows(Step(t, filled, units), rows, units, -2f);
        });
        AssertAgree(rnn, h, drnn, lstm, c, lh, dc, dl, gru, hn, gh, dgru, drec, gdh, copy, added, filled);
    }

    [SkippableFact]
    public void Data_movement_reductions_and_embeddings_agree()
    {
        RequireDevice();
        var (src, dst) = (Random(6 * 10), Random(6 * 7));
        var (x, y, py) = (Random(2 * 3 * 4 * 5), Random(2 * 4 * 5), Random(2 * 3 * 4 * 5));
        var dx = Random(2 * 3 * 4 * 5);
        var (ids, table, rows, dtable, dy) = (Values([3f, 0f, 3f, 9f, 1f]), Random(10 * 4), Random(5 * 4), Random(10 * 4), Random(5 * 4));
        Both((be, t) =>
        {
            be.CopyStrided(t(src), 10, 2, t(dst), 7, 3, 6, 4, accumulate: true);
            be.ReduceAxis(t(x), t(y), 2, 3, 20, 0.5f, accumulate: true);
            be.BroadcastAxis(t(y), t(dx), 2, 3, 20, 2f, accumulate: false);
            be.Permute(t(x), t(py), 2, [3, 4, 5], [2, 0, 1], accumulate: false);
            be.EmbeddingBackward(t(ids), t(dy), t(dtable), 5, 10, 4, accumulate: true);
        });
        BothEqual((be, t) => be.EmbeddingLookup(t(ids), t(table), t(rows), 5, 10, 4));
        AssertAgree(dst, y, dx, py, rows, dtable);
        BothEqual((be, t) => be.EmbeddingLookup(t(Values([1f, 2.5f, 10f])), t(table), t(Random(12)), 3, 10, 4));
    }

    [SkippableFact]
    public void Embedding_backward_skips_ids_outside_the_table()
    {
        // Ids -1, 2.5 and 10 are reported by the forward check (perhaps later, on a device): backward must not
        // write past the table or anywhere for them.
        RequireDevice();
        var (ids, dy, dtable) = (Values([1f, -1f, 2.5f, 10f, 1f]), Random(5 * 4), Random(10 * 4));
        Both((be, t) => be.EmbeddingBackward(t(ids), t(dy), t(dtable), 5, 10, 4, accumulate: true));
        AssertAgree(dtable);
    }
}
