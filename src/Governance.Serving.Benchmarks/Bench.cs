/// <summary>What both benchmarks share: their input files and their statistic.</summary>
static class Bench
{
    /// <summary>Writes <paramref name="sizeMiB"/> MiB of seeded random bytes to <paramref name="path"/>, unless a file of
    /// that size is already there (a rerun reuses it).</summary>
    public static async Task EnsureRandomFileAsync(string path, int sizeMiB, int seed)
    {
        if (File.Exists(path) && new FileInfo(path).Length == sizeMiB * 1024L * 1024)
            return;
        Console.WriteLine($"writing {sizeMiB} MiB of random bytes to {path}");
        await using var file = File.Create(path);
        var block = new byte[1 << 20];
        var random = new Random(seed);
        for (var i = 0; i < sizeMiB; i++)
        {
            random.NextBytes(block);
            await file.WriteAsync(block);
        }
    }

    /// <summary>The median of the measurements (seconds).</summary>
    public static double Median(IReadOnlyCollection<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>Measurements as "[0.123, 0.456]".</summary>
    public static string List(IEnumerable<double> xs) => $"[{string.Join(", ", xs.Select(x => x.ToString("F3")))}]";
}
