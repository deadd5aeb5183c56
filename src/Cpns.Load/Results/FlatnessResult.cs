namespace Cpns.Load.Results;

/// <summary>
/// Whether the server's resident set and handle count stayed flat over a sustained run: after the warm-up, the median
/// of the last third against the median of the first third, within the bounds of <see cref="LoadSettings"/>.
/// </summary>
internal sealed record FlatnessResult(
    double WarmupSeconds,
    int Samples,
    double FirstThirdMiB,
    double LastThirdMiB,
    double MemoryBoundMiB,
    double FirstThirdHandles,
    double LastThirdHandles,
    double HandleBound,
    bool Flat,
    string Verdict);
