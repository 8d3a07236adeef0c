"""The prose of the reports, in Vietnamese and English, with named placeholders.

``say("directive.change", lang, change=..., low=..., high=...)`` fills a template with values already
formatted by ``analysis.words.narrative`` (numbers are never typed into a template). One entry per
sentence, both languages side by side, so a translator reads the catalogue, not the code.
"""

from __future__ import annotations

from analysis.words.i18n import LANGS

MESSAGES: dict[str, tuple[str, str]] = {
    # --- banners and provenance ---------------------------------------------------------------
    "synthetic.note": (
        "**Số liệu mô phỏng**: các con số minh họa phương pháp, không phải kết quả về NHCSXH {province}.",
        "**Synthetic data**: the numbers illustrate the method; they are not findings about VBSP {province}."),
    "provenance": (
        "Dữ liệu: {data_name} (mã băm {data_hash}), {first} đến {last}. Mã nguồn: commit `{commit}`. "
        "Hạt giống ngẫu nhiên: {seed}. Tạo bởi `python -m analysis report`.",
        "Data: {data_name} (hash {data_hash}), {first} to {last}. Code: commit `{commit}`. "
        "Random seed: {seed}. Built by `python -m analysis report`."),
    # --- uncertainty in plain words ----------------------------------------------------------
    "range": ("khoảng giá trị hợp lý {level}: {low} đến {high}", "{level} range of plausible values: {low} to {high}"),
    "not_gated": (
        "Khoảng tin cậy không được in: phương pháp chưa qua kiểm tra mô phỏng (tỷ lệ báo động sai {size}, "
        "độ phủ {coverage}; yêu cầu {size_band} và {coverage_band}).",
        "Interval not printed: the method did not pass the simulation check (false alarms {size}, coverage "
        "{coverage}; required {size_band} and {coverage_band})."),
    "not_checked": (
        "Khoảng tin cậy không được in: phương pháp chưa được kiểm tra bằng mô phỏng (chạy `python -m analysis "
        "montecarlo --design {design} --gate-out`).",
        "Interval not printed: the method has not been checked by simulation (run `python -m analysis montecarlo "
        "--design {design} --gate-out`)."),
    "gate.passed": (
        "Kiểm tra mô phỏng ({reps} lần, có cú sốc chung): khi không có tác động, khoảng {level} loại trừ số 0 "
        "trong {size} số lần (danh nghĩa {nominal_size}); khi có tác động, khoảng chứa giá trị thật {coverage} "
        "số lần (danh nghĩa {level}).",
        "Simulation check ({reps} replicates with shared shocks): with no effect, the {level} interval excluded zero "
        "{size} of the time (nominal {nominal_size}); with the true effect, it covered it {coverage} of the time "
        "(nominal {level})."),
    # --- drivers of overdue ------------------------------------------------------------------
    "meetings.fe": (
        "So sánh **cùng một tổ** qua các tháng (hiệu ứng cố định tổ và tháng, Poisson giả hợp lý cực đại): tháng "
        "tổ họp thêm một buổi đi kèm nợ quá hạn kỳ vọng thay đổi **{pct}** ({range}), tức khoảng {pp} trên tỷ lệ "
        "nợ quá hạn toàn tỉnh hiện nay ({ratio}). Kiểm tra sử dụng vốn thêm {step} số hộ trong tháng đi kèm thay "
        "đổi {check_pct} ({check_range}).",
        "Comparing **the same group** across months (group and month fixed effects, Poisson pseudo-ML): a month "
        "with one more group meeting goes with an expected overdue change of **{pct}** ({range}), about {pp} on "
        "today's province overdue ratio ({ratio}). Checking the loan use of {step} more borrowers in a month goes "
        "with a change of {check_pct} ({check_range})."),
    "meetings.pooled": (
        "So sánh **giữa các tổ** (không có hiệu ứng cố định tổ) cho {pooled} mỗi buổi họp, so với {fe} khi so sánh "
        "trong cùng một tổ. Khác biệt này là dấu hiệu của yếu tố không quan sát được ở cấp tổ (ví dụ năng lực tổ "
        "trưởng) vừa làm tổ họp nhiều hơn vừa làm nợ quá hạn thấp hơn: ước lượng gộp phóng đại tác động của họp tổ.",
        "Comparing **across groups** (no group fixed effects) gives {pooled} per meeting, against {fe} within the "
        "same group. The gap signals an unobserved group trait (such as the group head's capacity) that both raises "
        "meetings and lowers overdue: the pooled estimate overstates what meetings do."),
    # --- Directive 40 ---------------------------------------------------------------------------
    "directive.change": (
        "Khi Chỉ thị 40-CT/TW có hiệu lực ({month}), tỷ lệ nợ quá hạn {where} **{direction} khoảng {size}** "
        "so với xu hướng trước đó ({range}). Thay đổi nhỏ nhất mà thiết kế này phát hiện được 4 trong 5 lần là {mde}.",
        "When Directive 40-CT/TW took effect ({month}), {where} overdue ratio **{direction} by about {size}** "
        "against its earlier trend ({range}). The smallest change this design detects 4 times out of 5 is {mde}."),
    "directive.none": (
        "Khi Chỉ thị 40-CT/TW có hiệu lực ({month}), **không thấy thay đổi rõ rệt** của tỷ lệ nợ quá hạn {where} "
        "so với xu hướng trước đó: ước lượng {estimate}, dữ liệu phù hợp với mọi thay đổi từ {low} đến {high}. "
        "Thay đổi nhỏ nhất mà thiết kế này phát hiện được 4 trong 5 lần là {mde}: một tác động nhỏ hơn thế có thể "
        "đã xảy ra mà không thấy được.",
        "When Directive 40-CT/TW took effect ({month}), **no detectable change** in {where} overdue ratio "
        "against its earlier trend: the estimate is {estimate}, and the data are consistent with any change from "
        "{low} to {high}. The smallest change this design detects 4 times out of 5 is {mde}: an effect smaller "
        "than that could have happened unseen."),
    "directive.how": (
        "Cách ước lượng: chuỗi tỷ lệ nợ quá hạn toàn tỉnh theo tháng, {window}; so với xu hướng và mùa vụ trước "
        "Chỉ thị ({pre} tháng trước, {post} tháng sau). Vì cú sốc chung (giá cả, thiên tai) tác động lên mọi huyện "
        "cùng lúc, sai số được tính trên chuỗi toàn tỉnh với sai số tương quan theo thời gian.",
        "How: the province's monthly overdue ratio, {window}, against its pre-Directive trend and season ({pre} "
        "months before, {post} after). Shocks shared by every district (prices, disasters) move all districts at "
        "once, so uncertainty is computed on the province series with serially correlated errors."),
    "directive.variants": (
        "Các thiết kế cũ cho ước lượng gần như nhau ({estimates}) nhưng khoảng tin cậy của chúng quá hẹp khi có "
        "cú sốc chung, nên không được in.",
        "The designs it replaced give nearly the same estimate ({estimates}) but their intervals are too narrow "
        "under shared shocks, so they are not printed."),
    "dose.result": (
        "**So sánh trong tỉnh theo mức độ cần cải thiện**: các xã có số buổi họp tổ trước Chỉ thị thấp hơn mức "
        "chung một độ lệch chuẩn ({sd} buổi/tháng) có tỷ lệ nợ quá hạn thay đổi thêm {per_sd} sau Chỉ thị "
        "({range}). {verdict}",
        "**A comparison inside the province by need**: communes whose group meetings before the Directive fell "
        "one standard deviation ({sd} meetings a month) short of the average saw their overdue ratio change by a "
        "further {per_sd} after it ({range}). {verdict}"),
    "dose.result.provinces": (
        "**So sánh giữa các tỉnh theo mức độ cần cải thiện**: các tỉnh có số buổi họp tổ trước Chỉ thị thấp hơn mức "
        "chung một độ lệch chuẩn ({sd} buổi/tháng) có tỷ lệ nợ quá hạn thay đổi thêm {per_sd} sau Chỉ thị ({range}). "
        "{verdict}",
        "**A comparison across provinces by need**: provinces whose group meetings before the Directive fell one "
        "standard deviation ({sd} meetings a month) short of the average saw their overdue ratio change by a "
        "further {per_sd} after it ({range}). {verdict}"),
    "national.overview": (
        "Cả nước: tỷ lệ nợ quá hạn từ {ratio_first} ({first}) còn **{ratio}** ({last}); dư nợ {outstanding} tỷ đồng, "
        "{borrowers} hộ vay trong {groups} tổ. Từ {date}, {n_old} tỉnh, thành phố được sắp xếp thành {n_new}; "
        "các chuỗi số liệu qua năm 2025 được tính theo cùng các tổ trước và sau thay đổi.",
        "The country: overdue ratio from {ratio_first} ({first}) to **{ratio}** ({last}); outstanding {outstanding} "
        "billion VND, {borrowers} borrowers in {groups} groups. From {date} the {n_old} provinces became {n_new}; "
        "series across 2025 follow the same groups before and after the change."),
    "national.meetings": (
        "**Họp tổ**: trong cùng một tổ, tháng họp thêm một buổi đi kèm tỷ lệ nợ quá hạn của tổ {direction} khoảng "
        "**{size}** ({range}); {n_obs} tổ-tháng, độ bất định tính theo {n_clusters} tỉnh.",
        "**Meetings**: within the same group, a month with one more meeting goes with an overdue share about "
        "**{size} {direction}** ({range}); {n_obs} group-months, uncertainty allowing for {n_clusters} provinces."),
    "national.meetings.none": (
        "**Họp tổ**: không thấy quan hệ rõ rệt trong cùng một tổ: dữ liệu phù hợp với mọi thay đổi từ {low} đến {high} "
        "mỗi buổi họp; thay đổi nhỏ nhất phát hiện được 4 trong 5 lần là {mde}.",
        "**Meetings**: no clear link within the same group: the data are consistent with any change from {low} to "
        "{high} per meeting; the smallest change detected 4 times out of 5 is {mde}."),
    "national.label.meetings": ("Họp tổ", "Meetings"),
    "national.label.checks": ("Kiểm tra sử dụng vốn", "Loan-use checks"),
    "national.label.quality": ("Chất lượng tổ", "Group quality"),
    "national.label.directive": ("Chỉ thị 40-CT/TW", "Directive 40-CT/TW"),
    "national.label.dose": ("Chỉ thị 40-CT/TW theo mức cần cải thiện", "Directive 40-CT/TW by need"),
    "national.label.reform": ("Cải cách gộp nhiều tỉnh", "A reform pooled across provinces"),
    "national.checks": (
        "**Kiểm tra sử dụng vốn**: trong cùng một tổ, tháng kiểm tra thêm {step} số hộ vay đi kèm tỷ lệ nợ quá "
        "hạn của tổ {direction} khoảng **{size}** ({range}); độ bất định tính theo {n_clusters} tỉnh.",
        "**Loan-use checks**: within the same group, a month in which {step} more of the borrowers are checked goes "
        "with an overdue share about **{size} {direction}** ({range}); uncertainty allowing for {n_clusters} "
        "provinces."),
    "national.checks.none": (
        "**Kiểm tra sử dụng vốn**: không thấy quan hệ rõ rệt trong cùng một tổ: dữ liệu phù hợp với mọi thay đổi "
        "từ {low} đến {high} khi kiểm tra thêm {step} số hộ vay; thay đổi nhỏ nhất phát hiện được 4 trong 5 lần "
        "là {mde}.",
        "**Loan-use checks**: no clear link within the same group: the data are consistent with any change from "
        "{low} to {high} when {step} more of the borrowers are checked; the smallest change detected 4 times out "
        "of 5 is {mde}."),
    "national.quality": (
        "**Chất lượng tổ**: các tổ bị xếp loại yếu cuối năm có tỷ lệ nợ quá hạn năm sau **{direction} khoảng {size}** "
        "so với các tổ xếp loại tốt cùng tỉnh ({range}; {n_obs} tổ-năm, độ bất định tính theo {n_clusters} tỉnh).",
        "**Group quality**: groups rated weak at the end of a year had an overdue share the next year about "
        "**{size} {direction}** than groups rated good in the same province ({range}; {n_obs} group-years, "
        "uncertainty allowing for {n_clusters} provinces)."),
    "national.quality.none": (
        "**Chất lượng tổ**: tỷ lệ nợ quá hạn năm sau của các tổ xếp loại yếu không khác rõ rệt so với các tổ xếp "
        "loại tốt cùng tỉnh ({range}; {n_obs} tổ-năm).",
        "**Group quality**: next year's overdue share of groups rated weak is not clearly different from that of "
        "groups rated good in the same province ({range}; {n_obs} group-years)."),
    "national.weighted": (
        "Ước lượng này gán cho mỗi tỉnh trọng số theo độ ổn định của chính số liệu tỉnh đó (tỉnh có tỷ lệ nợ quá hạn "
        "cao và dao động mạnh được tính nhẹ hơn), để không một tỉnh nào quyết định cả khoảng tin cậy; ước lượng "
        "không trọng số không qua được kiểm tra mô phỏng.",
        "This estimate weights each province by the steadiness of its own figures (provinces whose overdue share "
        "is high and volatile count for less), so that no single province decides the interval; the unweighted "
        "estimate did not pass the simulation check."),
    "national.design": (
        "Khoảng tin cậy tính theo thiết kế: {n} tỉnh là cả nước chứ không phải một mẫu tỉnh, nên phần chênh lệch "
        "giữa các tỉnh mà mức nợ quá hạn của tỉnh giải thích được (nơi nợ quá hạn cao, cùng một thay đổi trong "
        "sinh hoạt tổ làm tỷ lệ thay đổi nhiều điểm % hơn) không bị tính là sai số.",
        "The interval is design-based: the {n} provinces are the whole country, not a sample of provinces, so "
        "the part of the provinces' differences that their overdue levels explain (where overdue is high, the "
        "same change in practice moves the share by more points) is not counted as noise."),
    "national.quality.meaning": (
        "Đây là điều xếp loại báo trước, không phải tác động của việc xếp loại: xếp loại dựa một phần vào chính nợ "
        "quá hạn, nên khoảng cách cho biết nên ưu tiên kiểm tra tổ nào, không cho biết củng cố tổ làm giảm nợ quá "
        "hạn bao nhiêu.",
        "This is what a rating foretells, not an effect of rating: ratings draw partly on overdue itself, so the "
        "gap says which groups to visit first, not how much strengthening a group lowers its overdue."),
    "national.reform.skipped": (
        "không có cải cách nào được áp dụng ở các huyện của hơn một tỉnh (mỗi cải cách được đánh giá trong báo cáo "
        "của tỉnh đó).",
        "no reform was adopted by districts of more than one province (each reform is evaluated in its province's "
        "report)."),
    "national.reform.scope": (
        "{reform} được {n_adopting} huyện cũ của {n_provinces} tỉnh áp dụng vào {n_cohorts} thời điểm khác nhau "
        "(theo tỉnh và tháng); mỗi huyện áp dụng được so với {n_never} huyện chưa bao giờ áp dụng của chính tỉnh đó.",
        "{reform} was adopted by {n_adopting} former districts in {n_provinces} provinces at {n_cohorts} different "
        "dates (by province and month); each is compared with the districts of its own province that never adopted "
        "it ({n_never} in all)."),
    "national.reform.change": (
        "Sau khi áp dụng, tỷ lệ nợ quá hạn của các tổ **{direction} bình quân khoảng {size}** ({range}; độ bất định "
        "tính theo {n_clusters} huyện cũ). Tác động nhỏ nhất mà cả nước phát hiện được 4 trong 5 lần là {mde}.",
        "After adoption, the groups' overdue share **{direction} on average by about {size}** ({range}; uncertainty "
        "allowing for {n_clusters} former districts). The smallest effect the whole country detects 4 times out of "
        "5 is {mde}."),
    "national.reform.none": (
        "Sau khi áp dụng, **không thấy thay đổi rõ rệt** của tỷ lệ nợ quá hạn: ước lượng {estimate}, dữ liệu phù "
        "hợp với mọi tác động từ {low} đến {high} (độ bất định tính theo {n_clusters} huyện cũ). Tác động nhỏ "
        "nhất mà cả nước phát hiện được 4 trong 5 lần là {mde}: một tác động nhỏ hơn thế có thể đã xảy ra mà "
        "không thấy được.",
        "After adoption, **no detectable change** in the overdue share: the estimate is {estimate}, and the data "
        "are consistent with any effect from {low} to {high} (uncertainty allowing for {n_clusters} former "
        "districts). The smallest effect the whole country detects 4 times out of 5 is {mde}: a smaller effect "
        "could have happened unseen."),
    "national.reform.honest": (
        "Độ nhạy (HonestDiD, trên tác động bình quân {quarters} quý đầu sau áp dụng, {estimate}): dấu của tác động "
        "còn đứng vững nếu xu hướng sau áp dụng lệch khỏi xu hướng song song không quá {breakdown} lần độ lệch lớn "
        "nhất trước áp dụng.",
        "Sensitivity (HonestDiD, on the average effect over the first {quarters} quarters after adoption, "
        "{estimate}): its sign survives post-adoption departures from parallel trends of up to {breakdown} times "
        "the largest pre-adoption departure."),
    "national.reform.honest.none": (
        "Độ nhạy (HonestDiD, trên tác động bình quân {quarters} quý đầu sau áp dụng, {estimate}): khoảng giá trị "
        "của mức bình quân này đã chứa số 0 ngay cả khi xu hướng hoàn toàn song song, nên không cho thấy kết luận "
        "vững khi xu hướng lệch.",
        "Sensitivity (HonestDiD, on the average effect over the first {quarters} quarters after adoption, "
        "{estimate}): that average's range includes zero even under exactly parallel trends, so it cannot show "
        "that the conclusion survives departures from them."),
    "national.reform.weights": (
        "Ước lượng gộp tính trung bình theo số tổ-tháng đã áp dụng của mỗi tỉnh, không theo độ chính xác: {n} "
        "trong {total} tỉnh áp dụng tự phát hiện được tác động nhỏ hơn của cả nước (nhỏ nhất {best}, ở {province}), "
        "vì nợ quá hạn ở đó thấp và ổn định; các tỉnh có nợ quá hạn cao (dao động lớn hơn tính theo điểm %) làm rộng "
        "khoảng gộp.",
        "The pooled estimate averages the provinces by their treated group-months, not by precision: {n} of the "
        "{total} adopting provinces detect a smaller effect on their own (the smallest {best}, in {province}), "
        "where overdue is low and steady; provinces with high overdue (larger swings in percentage points) widen "
        "the pooled range."),
    "national.reform.level": (
        "Ước lượng này gán cho mỗi tỉnh áp dụng một trọng số cố định theo thiết kế: nghịch đảo của bình phương "
        "mức nợ quá hạn của tỉnh nhân với (1/số huyện áp dụng + 1/số huyện không áp dụng), nên tỉnh có nợ quá hạn "
        "thấp, ổn định và nhiều huyện để so sánh được tính nặng hơn; trọng số không lấy từ chính sai số của số liệu, "
        "và khoảng giá trị đã qua kiểm tra mô phỏng toàn quốc.",
        "This estimate gives each adopting province a weight fixed by the design: the inverse of its overdue level "
        "squared times (1/adopting + 1/never-adopting districts), so provinces with low, steady overdue and many "
        "districts to compare count for more; the weights are not read from the data's own noise, and the "
        "interval passed the national simulation check."),
    "national.reform.simple": (
        "Nếu tính bình quân theo số tổ-tháng đã áp dụng (mỗi tỉnh theo quy mô), tác động là {estimate} ({range}), "
        "tác động nhỏ nhất phát hiện được là {mde}.",
        "Averaged over the treated group-months instead (each province by its size), the effect is {estimate} "
        "({range}), and the smallest effect it detects is {mde}."),
    "national.reform.level.beats": (
        "Cả nước phát hiện được tác động nhỏ hơn bất kỳ tỉnh nào trong {total} tỉnh áp dụng tự phát hiện được "
        "(nhỏ nhất trong các tỉnh: {best}).",
        "The country detects a smaller effect than any of the {total} adopting provinces detects on its own "
        "(the smallest of theirs: {best})."),
    "national.detect.intro": (
        "Cả nước phát hiện được gì: với mỗi câu hỏi, tác động thật nhỏ nhất mà thiết kế toàn quốc tìm ra 4 trong 5 "
        "lần (kiểm định 5%), so với tác động nhỏ nhất mà riêng {province} phát hiện được bằng thiết kế của một tỉnh. "
        "Khi khoảng giá trị chứa số 0, dữ liệu không phân biệt được một tác động nhỏ hơn mức đó với không có tác động.",
        "What the country can detect: for each question, the smallest true effect the national design finds 4 times "
        "out of 5 (5% test), against the smallest that {province} alone detects with a province's design. Where an "
        "interval includes zero, the data cannot tell an effect smaller than that from none."),
    "national.detect.intro.alone": (
        "Cả nước phát hiện được gì: với mỗi câu hỏi, tác động thật nhỏ nhất mà thiết kế toàn quốc tìm ra 4 trong 5 "
        "lần (kiểm định 5%). Khi khoảng giá trị chứa số 0, dữ liệu không phân biệt được một tác động nhỏ hơn mức đó "
        "với không có tác động.",
        "What the country can detect: for each question, the smallest true effect the national design finds 4 times "
        "out of 5 (5% test). Where an interval includes zero, the data cannot tell an effect smaller than that from "
        "none."),
    "national.detect.ratio": (
        "Tác động nhỏ nhất mà riêng {province} phát hiện được bằng {low} đến {high} lần của cả nước.",
        "The smallest effects {province} alone detects are {low} to {high} times the country's."),
    "national.detect.yes": ("có: khoảng giá trị không chứa số 0", "yes: the interval excludes zero"),
    "national.detect.no": (
        "chưa: phù hợp với không có tác động; tác động dưới {mde} có thể không thấy được",
        "no: consistent with no effect; an effect under {mde} could go unseen"),
    "national.detect.unprinted": (
        "không kết luận: khoảng tin cậy chưa qua kiểm tra mô phỏng", "no conclusion: the interval did not pass the "
        "simulation check"),
    "national.detect.descriptive": (
        "mô tả: điều xếp loại báo trước, không phải tác động", "descriptive: what a rating foretells, not an effect"),
    "national.gate": (
        "Kiểm tra mô phỏng toàn quốc: {reps} lần, mỗi lần hai nước mô phỏng (không có tác động và có tác động) "
        "với các tỉnh và huyện cũ của danh mục chính thức, mức hiệu chỉnh và mọi lớp cú sốc chung (toàn quốc, "
        "tỉnh, huyện-tháng, xã-năm), {first} đến {last}; đo ngày {date}. Khoảng tin cậy chỉ được in khi tỷ lệ báo "
        "động sai nằm trong {size_band} và độ phủ trong {coverage_band}.",
        "National simulation check: {reps} replicates, each two synthetic countries (no effect and the true effect) "
        "with the official registry's provinces and former districts, the calibrated levels and every layer of "
        "shared shocks (national, province, district-month, commune-year), {first} to {last}; measured {date}. An "
        "interval is printed only when its false alarms are within {size_band} and its coverage within "
        "{coverage_band}."),
    "province.headline": (
        "**{name}** ({month}): tỷ lệ nợ quá hạn **{ratio}** (cả nước {national}), thấp thứ {rank}/{n} tỉnh; so với "
        "cùng kỳ năm trước {change}. Dư nợ {outstanding} triệu đồng, {borrowers} hộ vay trong {groups} tổ.",
        "**{name}** ({month}): overdue ratio **{ratio}** (country {national}), rank {rank} of {n} provinces (lowest "
        "first); against a year earlier {change}. Outstanding {outstanding} million VND, {borrowers} borrowers in "
        "{groups} groups."),
    "province.successor": (
        "Từ {date}, địa bàn tỉnh thuộc {new} (cùng với địa bàn cũ của {partners}).",
        "From {date} its area belongs to {new} (together with the former {partners})."),
    "province.alone": ("không tỉnh nào khác", "no other province"),
    "where.province": ("toàn tỉnh", "the province's"),
    "where.national": ("cả nước", "the country's"),
    "province.new": (
        "**{name}** là tỉnh, thành phố từ {date}, gồm địa bàn của {olds}. {month}: tỷ lệ nợ quá hạn **{ratio}**, "
        "dư nợ {outstanding} triệu đồng trong {groups} tổ. Chuỗi số liệu trước {date} cộng các tổ của các tỉnh cũ.",
        "**{name}** is a province since {date}, made of the former {olds}. {month}: overdue ratio **{ratio}**, "
        "outstanding {outstanding} million VND in {groups} groups. Before {date} its series adds up the groups of "
        "the former provinces."),
    "province.placed": (
        "{n} tổ thuộc các xã cũ được chia cho nhiều xã mới: {named} tổ theo xã mới ghi trong số liệu, {default} tổ "
        "xếp vào xã mới mặc định của bản đồ chính thức.",
        "{n} groups belong to old communes divided among several new communes: {named} placed on the new commune the "
        "data name, {default} on the official map's default successor."),
    "dose.verdict.yes": (
        "Nơi cần cải thiện nhiều hơn, nợ quá hạn giảm nhiều hơn: phù hợp với tác động của Chỉ thị qua họp tổ.",
        "Where there was more to catch up, overdue fell more: consistent with the Directive working through meetings."),
    "dose.verdict.no": (
        "Dữ liệu không phân biệt được nơi cần cải thiện nhiều với nơi cần ít.",
        "The data cannot tell places with more to catch up from those with less."),
    # --- reforms -------------------------------------------------------------------------------
    "reform.change": (
        "Sau khi huyện áp dụng cải cách ({reform}), tỷ lệ nợ quá hạn của các tổ **{direction} bình quân khoảng "
        "{size}** so với các huyện chưa áp dụng ({range}). Tác động nhỏ nhất mà thiết kế này phát hiện được 4 "
        "trong 5 lần là {mde}.",
        "After a district adopted the reform ({reform}), its groups' overdue ratio **{direction} on average by "
        "about {size}** against districts that had not ({range}). The smallest effect this design detects 4 times "
        "out of 5 is {mde}."),
    "reform.none": (
        "Sau khi huyện áp dụng cải cách ({reform}), **không thấy thay đổi rõ rệt** của tỷ lệ nợ quá hạn so với các "
        "huyện chưa áp dụng: ước lượng {estimate}, dữ liệu phù hợp với mọi tác động từ {low} đến {high}. Tác "
        "động nhỏ nhất mà thiết kế này phát hiện được 4 trong 5 lần là {mde}.",
        "After a district adopted the reform ({reform}), **no detectable change** in the overdue ratio against "
        "districts that had not: the estimate is {estimate}, and the data are consistent with any effect from "
        "{low} to {high}. The smallest effect this design detects 4 times out of 5 is {mde}."),
    "reform.how": (
        "Cách ước lượng: Callaway-Sant'Anna, so với {n_never} huyện chưa bao giờ áp dụng ({n_adopters} huyện áp "
        "dụng). Khoảng giá trị được tính bằng suy luận hoán vị: so sánh kết quả với {n_assignments} cách gán thời "
        "điểm áp dụng cho các huyện.",
        "How: Callaway-Sant'Anna, against {n_never} districts that never adopted ({n_adopters} adopted). The range "
        "comes from randomization inference: the result compared with {n_assignments} ways the adoption dates "
        "could have fallen on the districts."),
    "reform.dominance": (
        "Lưu ý: riêng huyện {name} chiếm {share} độ bất định của ước lượng (tương đương khoảng {g_star} huyện "
        "độc lập): kết quả dựa vào rất ít huyện.",
        "Note: district {name} alone carries {share} of the estimate's uncertainty (about {g_star} independent "
        "districts' worth): the result rests on very few districts."),
    "reform.twfe": (
        "Hồi quy hiệu ứng cố định hai chiều (TWFE) cho {twfe}: khi tác động khác nhau giữa các đợt áp dụng và tăng "
        "dần theo thời gian, TWFE so sánh cả với các huyện đã áp dụng và có thể sai lệch.",
        "Two-way fixed effects (TWFE) give {twfe}: when effects differ across adoption cohorts and grow over time, "
        "TWFE also compares with already-treated districts and can mislead."),
    "reform.honest": (
        "Độ nhạy (HonestDiD): kết luận về dấu của tác động còn đứng vững nếu xu hướng sau áp dụng lệch khỏi xu "
        "hướng song song không quá {breakdown} lần độ lệch lớn nhất trước áp dụng.",
        "Sensitivity (HonestDiD): the sign of the effect survives post-adoption departures from parallel trends of "
        "up to {breakdown} times the largest pre-adoption departure."),
    "reform.honest.none": (
        "Độ nhạy (HonestDiD): ngay cả khi không cho phép xu hướng lệch, khoảng giá trị đã chứa số 0.",
        "Sensitivity (HonestDiD): even allowing no departure from parallel trends, the range already includes zero."),
    "no_reform": ("Không có cải cách nào để đánh giá: {reason}", "No reform to evaluate: {reason}"),
    "no_directive": ("Không ước lượng được tác động của Chỉ thị 40: {reason}",
                     "The effect of Directive 40 could not be estimated: {reason}"),
    # --- every reform; technical notes in the reader's language --------------------------------
    "reform.count": (
        "Số liệu có {n} cải cách; mỗi cải cách được đánh giá riêng, so với các huyện chưa áp dụng cải cách đó.",
        "The data hold {n} reforms; each is evaluated on its own, against the districts that did not adopt it."),
    "reform.not_evaluated": ("Các cải cách chưa đánh giá được ({n}):", "Reforms that could not be evaluated ({n}):"),
    "reform.none_evaluated": ("Không cải cách nào trong bảng đánh giá được (lý do ở dưới).",
                              "No reform in the table could be evaluated (reasons below)."),
    "reform.partial": (
        "{n} phân tích phụ không thực hiện được với cải cách này (số liệu quá ngắn hoặc quá ít huyện).",
        "{n} secondary analyses could not be run for this reform (too few months or districts)."),
    "reform.reason.no_table": ("số liệu không có bảng cải cách.", "the data have no reforms table."),
    "reform.reason.not_in_table": ("không có trong bảng cải cách của số liệu.", "not in the data's reforms table."),
    "reform.reason.unknown_units": ("các huyện áp dụng ({units}) không có trong số liệu.",
                                    "the adopting districts ({units}) are not in the data."),
    "reform.reason.outside_window": ("ngày áp dụng ({dates}) nằm ngoài thời kỳ của số liệu ({first} đến {last}).",
                                     "the adoption dates ({dates}) lie outside the data ({first} to {last})."),
    "reform.reason.no_comparison": ("mọi huyện đều áp dụng: không còn huyện nào để so sánh.",
                                    "every district adopted it: there is no district to compare with."),
    "reform.reason.no_pre_period": (
        "mọi huyện áp dụng ngay từ tháng đầu của số liệu ({first}): không có số liệu trước khi áp dụng.",
        "every district adopted it in the data's first month ({first}): there are no months before adoption."),
    "reform.reason.failed": (
        "phương pháp ước lượng không áp dụng được cho cách triển khai này (ví dụ quá ít huyện áp dụng, hoặc quá ít "
        "tháng trước hay sau khi áp dụng).",
        "the estimator could not be applied to this roll-out (for example too few adopting districts, or too few "
        "months before or after adoption)."),
    "reason.generic": ("phương pháp không áp dụng được cho số liệu này.",
                       "the method could not be applied to these data."),
    "technical.label": ("Ghi chú kỹ thuật", "Technical note"),
    "technical.generic": ("{n_obs} quan sát; khoảng tin cậy theo phương pháp của mô hình.",
                          "{n_obs} observations; intervals by the model's own method."),
    "technical.directive": (
        "chuỗi tỷ lệ nợ quá hạn {where} theo tháng ({n_obs} tháng), hồi quy bình phương tối thiểu tổng quát (GLS) "
        "với sai số ARMA(1,1) ước lượng bằng hợp lý cực đại hạn chế (REML); khoảng tin cậy bằng bootstrap-t tham "
        "số{boot}, hệ số ARMA đã hiệu chỉnh chệch; khoảng đối xứng; tác động nhỏ nhất phát hiện được với lực kiểm "
        "định {power}.",
        "{where} monthly overdue series ({n_obs} months), generalised least squares (GLS) with ARMA(1,1) errors by "
        "REML; parametric bootstrap-t intervals{boot}, ARMA coefficients bias-corrected; symmetric intervals; "
        "minimum detectable effect at {power} power."),
    "technical.directive.boot": (" ({n_boot} lần lặp, hạt giống {seed})", " ({n_boot} draws, seed {seed})"),
    "technical.reform": (
        "suy luận hoán vị (randomization inference) trên {which} {n_assignments} cách gán các đợt áp dụng quan sát "
        "được cho {n_clusters} huyện (ATT chuẩn hóa; khoảng giá trị bằng cách đảo ngược kiểm định với tác động không "
        "đổi); khoảng CR1 với phân phối t({dof}) để đối chiếu; số cụm hiệu dụng {g_star} (Carter-Schnepel-"
        "Steigerwald 2017).",
        "randomization inference over {which} {n_assignments} assignments of the observed cohorts to the "
        "{n_clusters} districts (studentised ATT; interval by test inversion of a constant effect); CR1 t({dof}) "
        "beside it; effective clusters {g_star} (Carter-Schnepel-Steigerwald 2017)."),
    "technical.reform_pooled": (
        "Callaway-Sant'Anna gộp nhiều tỉnh: mỗi đợt áp dụng là một tỉnh và một tháng, so với các huyện chưa bao "
        "giờ áp dụng của chính tỉnh đó, kỳ gốc là tháng trước khi áp dụng; ATT gộp đơn giản (như did::aggte); hàm "
        "ảnh hưởng cộng theo {n_clusters} huyện cũ, hệ số CR1 G/(G−1), giá trị tới hạn t({dof}); {n_obs} tổ-tháng "
        "sau áp dụng.",
        "Callaway-Sant'Anna pooled across provinces: each cohort is a province and a month, compared with the "
        "never-treated districts of its own province, base period the month before adoption; simple aggregation "
        "(as did::aggte); influence functions summed by {n_clusters} former districts, CR1 factor G/(G−1), t({dof}) "
        "critical values; {n_obs} post-adoption group-months."),
    "technical.reform_level": (
        "Callaway-Sant'Anna gộp nhiều tỉnh (như trên), ATT đơn giản của mỗi tỉnh lấy trọng số cố định bằng nghịch "
        "đảo của mức nợ quá hạn bình phương nhân (1/số huyện áp dụng + 1/số huyện không áp dụng); {how}; {n_obs} "
        "tổ-tháng sau áp dụng.",
        "Callaway-Sant'Anna pooled across provinces (as above), each province's simple ATT with a fixed weight, "
        "the inverse of its overdue level squared times (1/adopting + 1/never-adopting districts); {how}; {n_obs} "
        "post-adoption group-months."),
    "technical.reform_level.cr1": (
        "hàm ảnh hưởng có trọng số cộng theo {n_clusters} huyện cũ, hệ số CR1 G/(G−1), giá trị tới hạn t({dof})",
        "weighted influence functions summed by {n_clusters} former districts, CR1 factor G/(G−1), t({dof}) "
        "critical values"),
    "technical.reform_level.cr2": (
        "phương sai CR2 tính trên ATT riêng của {k} tỉnh (mỗi phần dư chia cho căn của 1 trừ trọng số của tỉnh), "
        "giá trị tới hạn t với {dof} bậc tự do Bell-McCaffrey theo phương sai mô hình",
        "the CR2 variance over the {k} provinces' own ATTs (each residual divided by the square root of one minus "
        "the province's weight), t critical values with {dof} Bell-McCaffrey degrees of freedom under the modelled "
        "variances"),
    "technical.reform_level.hk": (
        "phương sai Hartung-Knapp: độ phân tán có trọng số của ATT riêng của {k} tỉnh quanh ước lượng gộp, chia "
        "cho {dof}, giá trị tới hạn t({dof})",
        "the Hartung-Knapp variance: the weighted spread of the {k} provinces' own ATTs around the pooled "
        "estimate, divided by {dof}, t({dof}) critical values"),
    "technical.reform.all": ("toàn bộ", "all"),
    "technical.reform.sample": ("một mẫu ngẫu nhiên (hạt giống {seed}) trong", "a seeded sample (seed {seed}) of"),
    # --- evidence brief --------------------------------------------------------------------------
    "brief.meetings": (
        "**Họp tổ**: khi một tổ họp thêm một buổi trong tháng, nợ quá hạn của tổ đó {direction} khoảng "
        "**{size}** ({range}), tương đương {pp} trên tỷ lệ nợ quá hạn toàn tỉnh {ratio}. Ước lượng so sánh cùng "
        "một tổ qua {n_obs} tổ-tháng; độ bất định tính theo {n_clusters} huyện.",
        "**Meetings**: when a group holds one more meeting in a month, its overdue is about **{size} {direction}** "
        "({range}), or {pp} on the province's overdue ratio of {ratio}. The estimate compares the same group over "
        "{n_obs} group-months; uncertainty allows for {n_clusters} districts."),
    "brief.meetings.none": (
        "**Họp tổ**: không thấy quan hệ rõ rệt giữa số buổi họp tổ và nợ quá hạn trong cùng một tổ: dữ liệu phù hợp "
        "với mọi thay đổi từ {low} đến {high} mỗi buổi họp; thay đổi nhỏ nhất phát hiện được 4 trong 5 lần là {mde}.",
        "**Meetings**: no clear link between a group's meetings and its overdue: the data are consistent with any "
        "change from {low} to {high} per meeting; the smallest change detected 4 times out of 5 is {mde}."),
    "brief.practice": (
        "- Duy trì họp tổ đều đặn và kiểm tra sử dụng vốn; ưu tiên các tổ trong danh sách \"cần quan tâm\" của từng "
        "báo cáo huyện.\n- Các con số về họp tổ là quan hệ trong cùng một tổ theo thời gian, không phải thí nghiệm "
        "ngẫu nhiên: nên thử nghiệm có đối chứng trước khi mở rộng.\n- Một ước lượng không rõ rệt không có nghĩa là "
        "không có tác động: xem tác động nhỏ nhất phát hiện được.",
        "- Keep group meetings and loan-use checks regular; give priority to the groups on each district report's "
        "\"need attention\" list.\n- The meeting figures are within-group associations over time, not a randomised "
        "trial: pilot with a comparison group before scaling up.\n- An unclear estimate is not proof of no effect: "
        "see the smallest detectable effect."),
    "brief.methods": (
        "Dữ liệu: bảng tổ-tháng {first} đến {last} ({n_obs} quan sát). Mỗi câu hỏi có một ước lượng chính được định "
        "trước: họp tổ — Poisson hiệu ứng cố định tổ và tháng; Chỉ thị 40 — chuỗi thời gian gián đoạn trên chuỗi "
        "toàn tỉnh (GLS-ARMA, bootstrap-t tham số); cải cách — Callaway-Sant'Anna với suy luận hoán vị theo huyện. "
        "Mỗi khoảng được in đã qua kiểm tra mô phỏng có cú sốc chung (bảng dưới). Các biến thể khác nằm trong báo "
        "cáo chính sách và báo cáo các yếu tố.",
        "Data: group-month panel {first} to {last} ({n_obs} observations). Each question has one pre-specified "
        "primary estimate: meetings — Poisson with group and month fixed effects; Directive 40 — interrupted time "
        "series on the province series (GLS-ARMA, parametric bootstrap-t); reform — Callaway-Sant'Anna with "
        "randomization inference over districts. Every printed interval passed a simulation check with shared "
        "shocks (table below). Variants are in the policy and drivers reports."),
    "brief.limits": (
        "- Quan hệ quan sát được, không phải thí nghiệm: cú sốc theo thời gian ở cấp tổ có thể vẫn gây nhiễu.\n"
        "- Chỉ có {n_districts} huyện: độ bất định của các ước lượng chính sách lớn, và một huyện có thể chi phối.\n"
        "- Chỉ thị 40 áp dụng toàn quốc cùng lúc: không có nhóm đối chứng; ước lượng dựa vào xu hướng trước đó.\n"
        "- Số lần kiểm tra được đếm theo lượt, không theo hộ.\n",
        "- Observed associations, not an experiment: time-varying group-level shocks may still confound.\n"
        "- Only {n_districts} districts: policy estimates are uncertain, and one district can dominate.\n"
        "- Directive 40 applied everywhere at once: there is no comparison group; the estimate leans on the earlier "
        "trend.\n- Loan-use checks are counted as visits, not distinct borrowers.\n"),
    # --- district report -------------------------------------------------------------------------
    "district.headline": (
        "Tại **{name}**, tỷ lệ nợ quá hạn {month} là **{ratio}** (toàn tỉnh {province}), thấp thứ {rank}/{n} huyện",
        "In **{name}**, the overdue ratio in {month} was **{ratio}** (province {province}), the {rank_ordinal} "
        "lowest of {n} districts"),
    "district.change": ("; so với cùng kỳ năm trước: {change}.", "; against a year earlier: {change}."),
    "district.size": (
        " Dư nợ {outstanding} triệu đồng, {borrowers} hộ vay trong {groups} tổ.",
        " Outstanding {outstanding} million VND, {borrowers} borrowers in {groups} groups."),
    "district.expected": (
        "Năm {year}, tỷ lệ nợ quá hạn thực tế của {name} là {actual}; theo mô hình (cùng mức họp tổ, kiểm tra và cơ "
        "cấu hội đoàn thể như bình quân tỉnh) kỳ vọng {expected}, chênh lệch {gap}. Qua cả giai đoạn, hiệu ứng "
        "huyện ước lượng bằng mô hình hỗn hợp là {effect} ({range}): {verdict} mức chung của tỉnh.",
        "In {year}, {name}'s actual overdue ratio was {actual}; the model (same meetings, checks and association "
        "mix as the province average) expects {expected}, a gap of {gap}. Over the whole period the mixed model's "
        "district effect is {effect} ({range}): {verdict} the province's level."),
    "district.reorganised": (
        "Từ {date}, cấp huyện không còn: địa bàn {name} (cũ) nay thuộc {provinces}, gồm {n_old} xã, phường, thị trấn "
        "cũ đã sáp nhập thành {n_new} xã, phường mới{shared}. Các tổ và điểm giao dịch được giữ nguyên; báo cáo này "
        "vẫn tính theo huyện cũ để so sánh được qua các năm.",
        "From {date} the district level no longer exists: the area of the former {name} now belongs to {provinces}; "
        "its {n_old} old communes were merged into {n_new} new communes{shared}. Groups and transaction points were "
        "kept; this report still counts by the former district so that years compare."),
    "district.reorganised.shared": (
        ", trong đó {n_shared} xã mới gồm cả phần địa bàn của huyện cũ khác",
        ", {n_shared} of which also cover part of another former district"),
    "district.not_reorganised": (
        "Dữ liệu kết thúc trước đợt sắp xếp đơn vị hành chính ngày {date} (bỏ cấp huyện, sáp nhập xã): báo cáo theo "
        "đơn vị hành chính của thời kỳ đó.",
        "The data end before the administrative reorganisation of {date} (district level abolished, communes "
        "merged): the report uses the units of the time."),
    "verdict.above": ("cao hơn", "above"),
    "verdict.below": ("thấp hơn", "below"),
    "verdict.same": ("không khác rõ rệt so với", "not clearly different from"),
    "direction.down": ("giảm", "lower"),
    "direction.up": ("tăng", "higher"),
    "direction.fell": ("giảm", "fell"),
    "direction.rose": ("tăng", "rose"),
    # --- maps (words.maps; dots at the official registry's centroids) ----------------------------
    "map.dots": (
        "Mỗi chấm là một trong {n} {units} có số liệu, đặt tại tâm của đơn vị theo danh mục hành chính chính thức; "
        "màu theo {measure} {when}, từ {low} ({low_name}) đến {high} ({high_name}).",
        "Each dot is one of {n} {units} with data, placed at the unit's centroid in the official registry; its colour "
        "gives {measure} in {when}, from {low} ({low_name}) to {high} ({high_name})."),
    "map.one": (
        "Chấm màu là {name}, đơn vị duy nhất trong số {units} có số liệu, đặt tại tâm theo danh mục hành chính chính "
        "thức; {measure} {when}: {value}.",
        "The coloured dot is {name}, the only one of the {units} with data, placed at its centroid in the official "
        "registry; {measure} in {when}: {value}."),
    "map.empty": ("Không có {units} nào có số liệu {when}.", "No {units} have data in {when}."),
    "map.size": ("Diện tích chấm theo {size}.", "Dot area follows {size}."),
    "map.unknown": (
        "{n} đơn vị có mã không có trong danh mục (có thể là mã riêng của ngân hàng) không được vẽ.",
        "{n} units whose codes are not in the registry (perhaps the bank's own codes) are not drawn."),
    "map.neighbours": (
        "{name} (viền đen, {value}) giữa các huyện cùng tỉnh; chấm xám là các huyện của tỉnh khác trong vòng "
        "{radius} km, không có trong số liệu này.",
        "{name} (black ring, {value}) among the districts of its province; grey dots are districts of other "
        "provinces within {radius} km, not in these data."),
    "map.when.year": ("cuối năm {year}", "the last month of {year}"),
    "map.units.province": ("tỉnh, thành phố (trước 7/2025)", "provinces (before 7/2025)"),
    "map.units.new_province": ("tỉnh, thành phố (từ 7/2025)", "provinces (since 7/2025)"),
    "map.units.district": ("huyện cũ", "former districts"),
    "map.units.commune": ("xã (trước 7/2025)", "communes (before 7/2025)"),
    "map.measure.overdue_ratio": ("tỷ lệ nợ quá hạn", "the overdue ratio"),
    "map.measure.coverage_pct": (
        "tỷ lệ hộ vay được kiểm tra sử dụng vốn trong 12 tháng",
        "the share of borrowers whose loan use was checked in the last 12 months"),
    "map.size.outstanding": ("dư nợ", "outstanding loans"),
    "map.size.borrowers": ("số hộ vay", "the number of borrowers"),
    "map.size.groups": ("số tổ", "the number of groups"),
}


def say(key: str, lang: str = "vi", **values) -> str:
    """The message ``key`` in ``lang`` with its placeholders filled; a missing key or value raises."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    try:
        template = MESSAGES[key][LANGS.index(lang)]
    except KeyError:
        raise KeyError(f"no message {key!r}; add it to analysis.words.messages.MESSAGES") from None
    return template.format(**values)
