namespace Cpns.Load.Results;

/// <summary>One second of a sustained run: rotations committed and PNE deliveries acknowledged at the server in it.</summary>
internal sealed record SecondBucket(int Second, int Rotations, int Acknowledged);
