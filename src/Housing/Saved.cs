namespace Housing;

/// <summary>The answer to a write that may repeat an earlier request (a double tap, a retried call): when
/// <see cref="Replayed"/>, the first answer is given back and nothing was written.</summary>
public sealed record Saved<T>(T Value, bool Replayed);
