using System.Globalization;

namespace Housing;

/// <summary>A message a person reads, in Thai and English; the web layer picks by the request's language.</summary>
public readonly record struct Msg(string Th, string En)
{
    public string For(CultureInfo culture) => culture.TwoLetterISOLanguageName == "en" ? En : Th;
    public string Current => For(CultureInfo.CurrentUICulture);
    public override string ToString() => En;
}

/// <summary>A refusal the caller can act on. Each maps to one HTTP status (see the web layer's ProblemMapper).</summary>
public abstract class HousingException(Msg message) : Exception(message.En)
{
    public Msg Text { get; } = message;
    /// <summary>Extra members for the problem details body (e.g. the id of an existing record).</summary>
    public Dictionary<string, object?> Extensions { get; } = new();
}

/// <summary>400: the input is wrong; <see cref="Errors"/> says which field and why.</summary>
public sealed class ValidationFailed(IReadOnlyDictionary<string, Msg[]> errors)
    : HousingException(new Msg("ข้อมูลไม่ถูกต้อง", "The input is not valid."))
{
    public IReadOnlyDictionary<string, Msg[]> Errors { get; } = errors;
    public static ValidationFailed One(string field, string th, string en) => new(new Dictionary<string, Msg[]> { [field] = [new Msg(th, en)] });
}

/// <summary>404: not there, or outside the caller's area (where 403 would leak that it exists).</summary>
public sealed class NotFound(Msg message) : HousingException(message)
{
    public NotFound(string what) : this(new Msg($"ไม่พบ{what}", $"Not found: {what}.")) { }
    public static NotFound Of(string th, string en) => new(new Msg($"ไม่พบ{th}", $"{en} was not found."));
}

/// <summary>403: signed in, but outside the caller's role or area.</summary>
public sealed class Forbidden(Msg message) : HousingException(message)
{
    public Forbidden() : this(new Msg("คุณไม่มีสิทธิ์ทำรายการนี้", "You are not allowed to do this.")) { }
}

/// <summary>409: a rule of the money or the data would break (over budget, duplicate, out of order).</summary>
public sealed class Conflict(Msg message) : HousingException(message)
{
    public Conflict(string th, string en) : this(new Msg(th, en)) { }
}

/// <summary>429: the same kind of refusal repeated too often by one user (e.g. probing citizen IDs); try again later.</summary>
public sealed class TooManyRequests(Msg message) : HousingException(message);

/// <summary>401 on sign-in: wrong name or password, or the account is locked.</summary>
public sealed class SignInRefused(Msg message, bool locked) : HousingException(message)
{
    public bool Locked { get; } = locked;
}

/// <summary>Collects field errors, then throws them together.</summary>
public sealed class Validator
{
    readonly Dictionary<string, List<Msg>> errors = new();
    public bool Ok => errors.Count == 0;

    /// <summary>The errors so far, for a caller that reports them rather than throws (the bulk import, row by row).</summary>
    public IEnumerable<(string Field, Msg Message)> All => errors.SelectMany(e => e.Value.Select(m => (e.Key, m)));

    public Validator Add(string field, string th, string en)
    {
        if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
        list.Add(new Msg(th, en));
        return this;
    }

    public Validator Check(bool ok, string field, string th, string en) => ok ? this : Add(field, th, en);

    /// <summary>The written reason every correction carries (field <c>reason</c>, at most 1,000 characters).</summary>
    public Validator Reason(string? reason) => Required(reason, "reason", "เหตุผล", "A reason", 1000);

    public Validator Required(string? value, string field, string th, string en, int maxLength = 200)
    {
        if (string.IsNullOrWhiteSpace(value)) return Add(field, $"กรุณากรอก{th}", $"{en} is required.");
        return value.Trim().Length > maxLength ? Add(field, $"{th}ยาวเกิน {maxLength} ตัวอักษร", $"{en} is longer than {maxLength} characters.") : this;
    }

    public Validator Optional(string? value, string field, string th, string en, int maxLength)
        => value is not null && value.Length > maxLength ? Add(field, $"{th}ยาวเกิน {maxLength} ตัวอักษร", $"{en} is longer than {maxLength} characters.") : this;

    /// <summary>Baht: more than zero (unless zero is allowed), at most 2 decimals, at most 99,999,999.99.</summary>
    public Validator Money(decimal? amount, string field, bool allowZero = false)
    {
        if (amount is not decimal a) return Add(field, "กรุณากรอกจำนวนเงิน", "An amount is required.");
        if (allowZero ? a < 0 : a <= 0) return Add(field, allowZero ? "จำนวนเงินต้องไม่ติดลบ" : "จำนวนเงินต้องมากกว่าศูนย์", allowZero ? "The amount must not be negative." : "The amount must be more than zero.");
        if (decimal.Round(a, 2) != a) return Add(field, "จำนวนเงินมีทศนิยมได้ไม่เกิน 2 ตำแหน่ง", "The amount may have at most 2 decimals.");
        if (a > MaxMoney) return Add(field, "จำนวนเงินเกิน 99,999,999.99 บาท", "The amount is over 99,999,999.99 baht.");
        return this;
    }

    public const decimal MaxMoney = 99_999_999.99m;

    /// <summary>A day that has happened (money received or paid, a stage reached): not in the future, not before 2000.</summary>
    public Validator PastDate(DateOnly? date, string field, TimeProvider clock)
    {
        if (date is not DateOnly d) return Add(field, "กรุณากรอกวันที่", "A date is required.");
        if (d > Thai.Today(clock)) return Add(field, "วันที่ต้องไม่เป็นวันในอนาคต", "The date must not be in the future.");
        return d.Year < 2000 ? Add(field, "วันที่เก่าเกินไป", "The date is too far in the past.") : this;
    }

    public void ThrowIfInvalid()
    {
        if (!Ok) throw new ValidationFailed(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }
}
