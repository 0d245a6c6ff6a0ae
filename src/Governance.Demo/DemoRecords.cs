using Governance.Domain.Shared;

namespace Governance.Demo;

/// <summary>A file written (or read) for the demo, with its real SHA-256 (<c>sha256:&lt;hex&gt;</c>) and size.</summary>
/// <param name="Path">The file name, as registered in the dataset register (e.g. <c>german_credit_train.csv</c>).</param>
/// <param name="FullPath">Where the file is on disk.</param>
public sealed record DemoFile(string Path, string FullPath, string Sha256, long SizeBytes)
{
    public static DemoFile Of(string fullPath)
    {
        var full = System.IO.Path.GetFullPath(fullPath);
        var bytes = File.ReadAllBytes(full);
        return new DemoFile(System.IO.Path.GetFileName(full), full, Digest.OfBytes(bytes), bytes.LongLength);
    }
}

/// <summary>
/// A trained model artifact with its real digest, the metrics measured on the validation (holdout) split by scoring that
/// very artifact, its hyperparameters, and the data it was trained and validated on.
/// </summary>
/// <param name="Metrics">Finite values only (NaN/infinite metrics are left out), rounded to 4 decimals.</param>
/// <param name="Schema">The columns of the training and validation files: name and type (<c>float</c>, <c>bool</c> or
/// <c>string</c>).</param>
public sealed record TrainedDemoModel(
    string ArtifactPath,
    string ArtifactSha256,
    long ArtifactSizeBytes,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, string> Hyperparameters,
    DemoFile TrainingSet,
    long TrainingRows,
    DemoFile ValidationSet,
    long ValidationRows,
    IReadOnlyList<(string Name, string Type)> Schema
);
