// Turns decoded interleaved pixels (H, W, C) into channels-first floats in [0, 1], resizing bilinearly on the way
// when the target size differs (half-pixel centres, as OpenCV's INTER_LINEAR and PyTorch's align_corners=False).
namespace Dtrain.Models.Data.Formats;

/// <summary>Pixel layout conversion and bilinear resizing.</summary>
public static class ImageResize
{
    /// <summary>
    /// Writes <paramref name="pixels"/> (H, W, C) bytes of a <paramref name="width"/> x <paramref name="height"/>
    /// image as <paramref name="target"/> (C, targetHeight, targetWidth) floats, <c>byte / 255</c>.
    /// </summary>
    public static void ToChannelsFirst(ReadOnlySpan<byte> pixels, int width, int height, int channels, Span<float> target, int targetWidth, int targetHeight)
    {
        if (width == targetWidth && height == targetHeight)
        {
            for (int c = 0; c < channels; c++)
            {
                var plane = target.Slice(c * height * width, height * width);
                for (int i = 0; i < plane.Length; i++)
                {
                    plane[i] = pixels[i * channels + c] / 255f;
                }
            }

            return;
        }

        float sy = (float)height / targetHeight, sx = (float)width / targetWidth;
        for (int y = 0; y < targetHeight; y++)
        {
            var (y0, y1, fy) = Taps((y + 0.5f) * sy - 0.5f, height);
            for (int x = 0; x < targetWidth; x++)
            {
                var (x0, x1, fx) = Taps((x + 0.5f) * sx - 0.5f, width);
                for (int c = 0; c < channels; c++)
                {
                    float top = Lerp(pixels[(y0 * width + x0) * channels + c], pixels[(y0 * width + x1) * channels + c], fx);
                    float bottom = Lerp(pixels[(y1 * width + x0) * channels + c], pixels[(y1 * width + x1) * channels + c], fx);
                    target[(c * targetHeight + y) * targetWidth + x] = Lerp(top, bottom, fy) / 255f;
                }
            }
        }
    }

    private static (int Low, int High, float Fraction) Taps(float position, int size)
    {
        position = Math.Clamp(position, 0, size - 1);
        int low = (int)position;
        int high = Math.Min(low + 1, size - 1);
        return (low, high, position - low);
    }

    private static float Lerp(float a, float b, float t) => a + (b - a) * t;
}
