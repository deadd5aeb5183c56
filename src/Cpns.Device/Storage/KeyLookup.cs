namespace Cpns.Device.Storage;

/// <summary>Whether the store can open messages of a (group, epoch).</summary>
internal enum KeyLookup
{
    Found = 1,
    UnknownGroup = 2,
    Deleted = 3,
    Superseded = 4,
    Future = 5,
}
