"""Fill ``greenrfm_wizard_zh_CN.ts`` with the Simplified Chinese translations below and compile the .qm.

Run after ``pyside6-lupdate -no-obsolete app/wizard/*.py -ts resources/translations/greenrfm_wizard_zh_CN.ts``:
``python -m app.wizard.i18n.fill_zh_cn``. A source text without a translation here stays unfinished and the
script exits with status 1 listing it.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TS_PATH = ROOT / "resources" / "translations" / "greenrfm_wizard_zh_CN.ts"

ZH_CN = {
    "A label must be 1 (present), 0 (absent) or -1 (uncertain).": "标签必须为 1（存在）、0（不存在）或 -1（不确定）。",
    "A training job started on {date} is still running. Show its progress?": "{date} 开始的训练任务仍在运行。是否查看其进度？",
    "A training job started on {date} was interrupted. Show it so you can resume it?": "{date} 开始的训练任务已中断。是否打开以便继续训练？",
    "AUROC": "AUROC",
    "Abdominal CT": "腹部 CT",
    "Add at least one finding to the custom finding list.": "请在自定义征象列表中至少添加一个征象。",
    "Add finding": "添加征象",
    "All studies of one patient go to the same side, so validation measures new patients.": "同一患者的所有检查划入同一侧，因此验证集衡量的是对新患者的表现。",
    "Automatic": "自动",
    "Browse...": "浏览...",
    "CPU only, {memory:.0f} GiB memory": "仅 CPU，内存 {memory:.0f} GiB",
    "CSV or XLSX with one report per study": "CSV 或 XLSX 文件，每个检查一份报告",
    "Cancel training": "取消训练",
    "Cancelled; the last checkpoint is kept and can be resumed.": "已取消；最后一个检查点已保留，可继续训练。",
    "Cancelling: the training process saves a checkpoint and stops.": "正在取消：训练进程会保存检查点后停止。",
    "Change": "变化",
    "Checkpoint saved: {path}": "检查点已保存：{path}",
    "Chest CT": "胸部 CT",
    "Chinese name": "中文名称",
    "Chinese synonyms (comma-separated)": "中文同义词（逗号分隔）",
    "Choose a folder to save the run in.": "请选择保存本次训练的文件夹。",
    "Choose how to train; the estimates are for the detected device.": "选择训练方式；估算值基于检测到的设备。",
    "Choose the folder of studies and the reports spreadsheet (or a ready labels file), then scan.": "选择检查文件夹和报告表格（或现成的标签文件），然后扫描。",
    "Choose the labels file": "选择标签文件",
    "Choose the reports file": "选择报告文件",
    "Choose the studies folder": "选择检查文件夹",
    "Choose what the model should find, or list your own findings.": "选择模型要识别的征象，或列出您自己的征象。",
    "Choose where to save the run": "选择训练结果的保存位置",
    "Column that holds the study folder name, accession number or study UID": "包含检查文件夹名、检查号（Accession Number）或检查 UID 的列",
    "Configure": "配置",
    "Custom finding list": "自定义征象列表",
    "Data": "数据",
    "Device": "设备",
    "Device detection failed: {error}": "设备检测失败：{error}",
    "Device memory: {memory:.0f} MiB": "设备显存：{memory:.0f} MiB",
    "Edited by hand": "已手动修改",
    "English name": "英文名称",
    "English synonyms (comma-separated)": "英文同义词（逗号分隔）",
    "Enter the language model endpoint URL, or choose the rule-based labeler.": "请输入大语言模型服务地址，或选择基于规则的标注器。",
    "Epoch": "轮次",
    "Epochs": "训练轮数",
    "Error: {message}": "错误：{message}",
    "Estimate": "估算",
    "Failed; see the log below. You can resume from the last checkpoint.": "失败；请查看下方日志。可从最后一个检查点继续训练。",
    "False positive rate": "假阳性率",
    "Finding": "征象",
    "Finding id": "征象 ID",
    "Fine-tune an existing model": "微调已有模型",
    "Finished": "已完成",
    "Image type of the studies; sets the preprocessing and input size": "检查的影像类型；决定预处理方式和输入尺寸",
    "Input size": "输入尺寸",
    "Input size must be three whole numbers of at least 8 (x y z), for example 64 64 32.": "输入尺寸必须是三个不小于 8 的整数（x y z），例如 64 64 32。",
    "Interrupted: the training process stopped. Resume from the last checkpoint.": "已中断：训练进程已停止。请从最后一个检查点继续训练。",
    "Keep training in the background after closing this window? Choose No to stop it; it saves a checkpoint that you can resume later.": "关闭此窗口后是否在后台继续训练？选择“否”将停止训练，并保存检查点以便之后继续。",
    "Knee MRI": "膝关节 MRI",
    "Label reports": "标注报告",
    "Labeling failed: {message}": "标注失败：{message}",
    "Labels": "标签",
    "Labels (*.csv)": "标签文件 (*.csv)",
    "Labels distilled from the reports: 1 present, 0 absent, -1 uncertain. Edit any cell.": "从报告中提取的标签：1 存在，0 不存在，-1 不确定。可编辑任意单元格。",
    "Labels file": "标签文件",
    "Language model endpoint": "大语言模型服务",
    "Lite (laptop, stride-4 stem)": "轻量（笔记本电脑，步长 4 的 stem）",
    "Macro AUROC on validation: {value}": "验证集宏平均 AUROC：{value}",
    "Matched": "已匹配",
    "Model added to the library": "模型已加入模型库",
    "Name of the custom task, for example lung-nodules": "自定义任务名称，例如 lung-nodules",
    "No AUROC can be computed for {count} finding(s) because validation lacks positive or negative studies: {names}": "有 {count} 个征象无法计算 AUROC，因为验证集缺少阳性或阴性检查：{names}",
    "No report": "无报告",
    "No report row names this study": "没有报告行对应此检查",
    "No sentence mentions this finding": "没有句子提及此征象",
    "No study": "无检查",
    "No study folder matches this report row": "没有检查文件夹与此报告行匹配",
    "Optional: labels CSV with study_id and one column per finding": "可选：包含 study_id 列且每个征象一列的标签 CSV",
    "Pause": "暂停",
    "Paused": "已暂停",
    "Positive studies per finding": "各征象的阳性检查数",
    "Positive studies": "阳性检查数",
    "Model name on the endpoint": "服务上的模型名称",
    "Reports leave this computer": "报告将离开本机",
    "The report texts will be sent to {host}, which is not this computer. Continue?": "报告文本将被发送到 {host}，该地址不是本机。是否继续？",
    "No validation studies are known for this run, so no ROC curves can be drawn.": "本次训练没有已知的验证集检查，因此无法绘制 ROC 曲线。",
    "Evaluating on {count} validation studies...": "正在用 {count} 个验证集检查进行评估...",
    "Evaluation failed: {message}": "评估失败：{message}",
    "Show results": "查看结果",
    "Pre-train from scratch (MUST: labels first, then image-text alignment)": "从头预训练（MUST：先用标签训练，再进行图文对齐）",
    "Profile": "配置档",
    "Queued": "排队中",
    "ROC curves (validation)": "ROC 曲线（验证集）",
    "Random seed": "随机种子",
    "Reason": "原因",
    "Remove finding": "删除征象",
    "Reports (*.csv *.xlsx)": "报告文件 (*.csv *.xlsx)",
    "Reports file": "报告文件",
    "Results": "结果",
    "Resume": "继续",
    "Resume from last checkpoint": "从最后一个检查点继续",
    "Row {row}: the finding id '{id}' is invalid. Use lower-case letters, digits and underscores, starting with a letter (for example pleural_effusion).": "第 {row} 行：征象 ID“{id}”无效。请使用小写字母、数字和下划线，并以字母开头（例如 pleural_effusion）。",
    "Row {row}: the finding id '{id}' is used twice.": "第 {row} 行：征象 ID“{id}”重复。",
    "Rule-based labeler (reports stay on this computer)": "基于规则的标注器（报告不离开本机）",
    "Running": "运行中",
    "Save the run in": "保存位置",
    "Scan and match": "扫描并匹配",
    "Scan failed: {message}": "扫描失败：{message}",
    "Spine MRI": "脊柱 MRI",
    "Split": "划分",
    "Stage {stage}, epoch {epoch}": "阶段 {stage}，第 {epoch} 轮",
    "Standard (GPU, stride-2 stem)": "标准（GPU，步长 2 的 stem）",
    "Start from": "起始模型",
    "Starting model AUROC": "起始模型 AUROC",
    "Status": "状态",
    "Studies folder": "检查文件夹",
    "Study": "检查",
    "Study id column": "检查 ID 列",
    "Task": "任务",
    "Task default; or x y z in voxels, for example 64 64 32": "任务默认值；或以体素为单位的 x y z，例如 64 64 32",
    "Time left: {minutes:.0f} min {seconds:.0f} s": "剩余时间：{minutes:.0f} 分 {seconds:.0f} 秒",
    "Train": "训练",
    "Train a model": "训练模型",
    "Train negative": "训练集阴性",
    "Train positive": "训练集阳性",
    "Training is running": "训练正在运行",
    "Training job": "训练任务",
    "Training loss": "训练损失",
    "Training runs in its own process; you can close this window and come back later.": "训练在独立进程中运行；您可以关闭此窗口，稍后再回来查看。",
    "Training started": "训练已开始",
    "True positive rate": "真阳性率",
    "Unreadable": "无法读取",
    "Use this model": "使用此模型",
    "Validation AUROC": "验证集 AUROC",
    "Validation negative": "验证集阴性",
    "Validation positive": "验证集阳性",
    "Validation results of the new model, and of the model it started from.": "新模型及其起始模型在验证集上的结果。",
    "Validation share": "验证集比例",
    "Warning: {host} is not this computer. The report texts will be sent there and leave this machine; use it only if your hospital allows it.": "警告：{host} 不是本机。报告文本将被发送到该地址并离开本机；仅在医院允许时使用。",
    "Warning: {message}": "警告：{message}",
    "about {epoch} per epoch and {total} for the whole run (rough estimate; measure for figures from this device), peak memory about {memory}": "每轮约 {epoch}，整个训练约 {total}（粗略估算；点击测量可得到本设备的实测值），峰值内存约 {memory}",
    "about {epoch} per epoch and {total} for the whole run, measured on this device at {rate:.2f} studies/s; peak memory about {memory}": "每轮约 {epoch}，整个训练约 {total}，本设备实测速度 {rate:.2f} 个检查/秒；峰值内存约 {memory}",
    "Measure on this device": "在本设备上测量",
    "Train a few steps on random volumes of the chosen size to measure time and memory": "用所选尺寸的随机体数据训练几步，测量时间和内存",
    "Measuring...": "正在测量...",
    "Measuring: step {done} of {total}, the first a warm-up": "正在测量：第 {done} 步，共 {total} 步（第一步为预热）",
    "{memory:.1f} GiB (measured)": "{memory:.1f} GiB（实测）",
    "{memory:.1f} GiB (planner estimate)": "{memory:.1f} GiB（规划器估算）",
    "Measuring the device failed: {error}": "设备测量失败：{error}",
    "{count:.0f} s": "{count:.0f} 秒",
    "{count:.0f} min": "{count:.0f} 分钟",
    "{count:.1f} h": "{count:.1f} 小时",
    "epoch mean": "每轮均值",
    "step": "步",
    "unknown": "未知",
    "{count} finding(s) have fewer than {minimum} positive studies, too few to train or evaluate: {names}": "有 {count} 个征象的阳性检查少于 {minimum} 例，不足以训练或评估：{names}",
    "{matched} matched, {rows} report rows without a study, {studies} studies without a report, {unreadable} unreadable (id column: {column})": "已匹配 {matched} 个，{rows} 个报告行无对应检查，{studies} 个检查无对应报告，{unreadable} 个无法读取（ID 列：{column}）",
    "{train} training and {validation} validation studies from {patients} patients": "来自 {patients} 名患者的 {train} 个训练检查和 {validation} 个验证检查",
}


def main() -> int:
    tree = ET.parse(TS_PATH)
    missing = []
    for message in tree.iter("message"):
        source = message.find("source").text
        translation = message.find("translation")
        if source in ZH_CN:
            translation.text = ZH_CN[source]
            translation.attrib.pop("type", None)
        else:
            missing.append(source)
    tree.write(TS_PATH, encoding="utf-8", xml_declaration=True)
    subprocess.run(["pyside6-lrelease", str(TS_PATH), "-qm", str(TS_PATH.with_suffix(".qm"))], check=True)
    for source in missing:
        print(f"missing translation: {source}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
