<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>ConfigurePage</name>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="47" />
        <source>Configure</source>
        <translation>配置</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="48" />
        <source>Choose how to train; the estimates are for the detected device.</source>
        <translation>选择训练方式；估算值基于检测到的设备。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="50" />
        <source>Pre-train from scratch (MUST: labels first, then image-text alignment)</source>
        <translation>从头预训练（MUST：先用标签训练，再进行图文对齐）</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="52" />
        <source>Fine-tune an existing model</source>
        <translation>微调已有模型</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="61" />
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="62" />
        <source>Lite (laptop, stride-4 stem)</source>
        <translation>轻量（笔记本电脑，步长 4 的 stem）</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="63" />
        <source>Standard (GPU, stride-2 stem)</source>
        <translation>标准（GPU，步长 2 的 stem）</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="71" />
        <location filename="../../app/wizard/page_configure.py" line="289" />
        <source>Measure on this device</source>
        <translation>在本设备上测量</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="74" />
        <source>Train a few steps on random volumes of the chosen size to measure time and memory</source>
        <translation>用所选尺寸的随机体数据训练几步，测量时间和内存</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="87" />
        <source>Task default; or x y z in voxels, for example 64 64 32</source>
        <translation>任务默认值；或以体素为单位的 x y z，例如 64 64 32</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="89" />
        <source>Browse...</source>
        <translation>浏览...</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="99" />
        <source>Start from</source>
        <translation>起始模型</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="100" />
        <source>Profile</source>
        <translation>配置档</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="101" />
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="102" />
        <source>Estimate</source>
        <translation>估算</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="103" />
        <source>Epochs</source>
        <translation>训练轮数</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="104" />
        <source>Input size</source>
        <translation>输入尺寸</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="105" />
        <source>Save the run in</source>
        <translation>保存位置</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="117" />
        <source>Choose where to save the run</source>
        <translation>选择训练结果的保存位置</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="141" />
        <source>Input size must be three whole numbers of at least 8 (x y z), for example 64 64 32.</source>
        <translation>输入尺寸必须是三个不小于 8 的整数（x y z），例如 64 64 32。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="152" />
        <source>Device detection failed: {error}</source>
        <translation>设备检测失败：{error}</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="156" />
        <source>CPU only, {memory:.0f} GiB memory</source>
        <translation>仅 CPU，内存 {memory:.0f} GiB</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="190" />
        <source>about {epoch} per epoch and {total} for the whole run, measured on this device at {rate:.2f} studies/s; peak memory about {memory}</source>
        <translation>每轮约 {epoch}，整个训练约 {total}，本设备实测速度 {rate:.2f} 个检查/秒；峰值内存约 {memory}</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="196" />
        <source>about {epoch} per epoch and {total} for the whole run (rough estimate; measure for figures from this device), peak memory about {memory}</source>
        <translation>每轮约 {epoch}，整个训练约 {total}（粗略估算；点击测量可得到本设备的实测值），峰值内存约 {memory}</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="201" />
        <source>{memory:.1f} GiB (measured)</source>
        <translation>{memory:.1f} GiB（实测）</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="203" />
        <source>{memory:.1f} GiB (planner estimate)</source>
        <translation>{memory:.1f} GiB（规划器估算）</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="205" />
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="212" />
        <source>{count:.0f} s</source>
        <translation>{count:.0f} 秒</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="214" />
        <source>{count:.0f} min</source>
        <translation>{count:.0f} 分钟</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="215" />
        <source>{count:.1f} h</source>
        <translation>{count:.1f} 小时</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="259" />
        <source>Measuring...</source>
        <translation>正在测量...</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="275" />
        <source>Measuring: step {done} of {total}, the first a warm-up</source>
        <translation>正在测量：第 {done} 步，共 {total} 步（第一步为预热）</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="284" />
        <source>Measuring the device failed: {error}</source>
        <translation>设备测量失败：{error}</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_configure.py" line="347" />
        <source>Choose a folder to save the run in.</source>
        <translation>请选择保存本次训练的文件夹。</translation>
    </message>
</context>
<context>
    <name>DataPage</name>
    <message>
        <location filename="../../app/wizard/page_data.py" line="49" />
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="52" />
        <source>Choose the folder of studies and the reports spreadsheet (or a ready labels file), then scan.</source>
        <translation>选择检查文件夹和报告表格（或现成的标签文件），然后扫描。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="58" />
        <source>CSV or XLSX with one report per study</source>
        <translation>CSV 或 XLSX 文件，每个检查一份报告</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="60" />
        <source>Optional: labels CSV with study_id and one column per finding</source>
        <translation>可选：包含 study_id 列且每个征象一列的标签 CSV</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="65" />
        <source>Column that holds the study folder name, accession number or study UID</source>
        <translation>包含检查文件夹名、检查号（Accession Number）或检查 UID 的列</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="67" />
        <source>Scan and match</source>
        <translation>扫描并匹配</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="80" />
        <source>Study</source>
        <translation>检查</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="80" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="80" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="86" />
        <source>Studies folder</source>
        <translation>检查文件夹</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="87" />
        <location filename="../../app/wizard/page_data.py" line="91" />
        <location filename="../../app/wizard/page_data.py" line="95" />
        <source>Browse...</source>
        <translation>浏览...</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="90" />
        <source>Reports file</source>
        <translation>报告文件</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="94" />
        <source>Labels file</source>
        <translation>标签文件</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="97" />
        <source>Study id column</source>
        <translation>检查 ID 列</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="110" />
        <source>Choose the studies folder</source>
        <translation>选择检查文件夹</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="118" />
        <source>Choose the reports file</source>
        <translation>选择报告文件</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="120" />
        <source>Reports (*.csv *.xlsx)</source>
        <translation>报告文件 (*.csv *.xlsx)</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="127" />
        <source>Choose the labels file</source>
        <translation>选择标签文件</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="127" />
        <source>Labels (*.csv)</source>
        <translation>标签文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="175" />
        <source>Scan failed: {message}</source>
        <translation>扫描失败：{message}</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="194" />
        <source>{matched} matched, {rows} report rows without a study, {studies} studies without a report, {unreadable} unreadable (id column: {column})</source>
        <translation>已匹配 {matched} 个，{rows} 个报告行无对应检查，{studies} 个检查无对应报告，{unreadable} 个无法读取（ID 列：{column}）</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="204" />
        <source>Matched</source>
        <translation>已匹配</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="206" />
        <source>No study</source>
        <translation>无检查</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="206" />
        <source>No study folder matches this report row</source>
        <translation>没有检查文件夹与此报告行匹配</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="210" />
        <source>No report</source>
        <translation>无报告</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="210" />
        <source>No report row names this study</source>
        <translation>没有报告行对应此检查</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_data.py" line="213" />
        <source>Unreadable</source>
        <translation>无法读取</translation>
    </message>
</context>
<context>
    <name>LabelsPage</name>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="61" />
        <source>Labels</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="63" />
        <source>Labels distilled from the reports: 1 present, 0 absent, -1 uncertain. Edit any cell.</source>
        <translation>从报告中提取的标签：1 存在，0 不存在，-1 不确定。可编辑任意单元格。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="65" />
        <source>Rule-based labeler (reports stay on this computer)</source>
        <translation>基于规则的标注器（报告不离开本机）</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="66" />
        <source>Language model endpoint</source>
        <translation>大语言模型服务</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="71" />
        <source>Model name on the endpoint</source>
        <translation>服务上的模型名称</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="76" />
        <source>Label reports</source>
        <translation>标注报告</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="94" />
        <source>Positive studies per finding</source>
        <translation>各征象的阳性检查数</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="95" />
        <source>Positive studies</source>
        <translation>阳性检查数</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="133" />
        <source>Warning: {host} is not this computer. The report texts will be sent there and leave this machine; use it only if your hospital allows it.</source>
        <translation>警告：{host} 不是本机。报告文本将被发送到该地址并离开本机；仅在医院允许时使用。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="162" />
        <source>Enter the language model endpoint URL, or choose the rule-based labeler.</source>
        <translation>请输入大语言模型服务地址，或选择基于规则的标注器。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="168" />
        <source>Reports leave this computer</source>
        <translation>报告将离开本机</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="170" />
        <source>The report texts will be sent to {host}, which is not this computer. Continue?</source>
        <translation>报告文本将被发送到 {host}，该地址不是本机。是否继续？</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="196" />
        <source>Labeling failed: {message}</source>
        <translation>标注失败：{message}</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="221" />
        <source>No sentence mentions this finding</source>
        <translation>没有句子提及此征象</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="235" />
        <source>A label must be 1 (present), 0 (absent) or -1 (uncertain).</source>
        <translation>标签必须为 1（存在）、0（不存在）或 -1（不确定）。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="239" />
        <source>Edited by hand</source>
        <translation>已手动修改</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_labels.py" line="268" />
        <source>{count} finding(s) have fewer than {minimum} positive studies, too few to train or evaluate: {names}</source>
        <translation>有 {count} 个征象的阳性检查少于 {minimum} 例，不足以训练或评估：{names}</translation>
    </message>
</context>
<context>
    <name>ResultsPage</name>
    <message>
        <location filename="../../app/wizard/page_results.py" line="76" />
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="77" />
        <source>Validation results of the new model, and of the model it started from.</source>
        <translation>新模型及其起始模型在验证集上的结果。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="81" />
        <source>Finding</source>
        <translation>征象</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="81" />
        <source>AUROC</source>
        <translation>AUROC</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="81" />
        <source>Starting model AUROC</source>
        <translation>起始模型 AUROC</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="81" />
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="88" />
        <source>ROC curves (validation)</source>
        <translation>ROC 曲线（验证集）</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="89" />
        <source>False positive rate</source>
        <translation>假阳性率</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="90" />
        <source>True positive rate</source>
        <translation>真阳性率</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="100" />
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="164" />
        <source>No validation studies are known for this run, so no ROC curves can be drawn.</source>
        <translation>本次训练没有已知的验证集检查，因此无法绘制 ROC 曲线。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="169" />
        <source>Evaluating on {count} validation studies...</source>
        <translation>正在用 {count} 个验证集检查进行评估...</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="192" />
        <source>Evaluation failed: {message}</source>
        <translation>评估失败：{message}</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="217" />
        <source>Macro AUROC on validation: {value}</source>
        <translation>验证集宏平均 AUROC：{value}</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_results.py" line="240" />
        <source>Model added to the library</source>
        <translation>模型已加入模型库</translation>
    </message>
</context>
<context>
    <name>SplitPage</name>
    <message>
        <location filename="../../app/wizard/page_split.py" line="28" />
        <source>Split</source>
        <translation>划分</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_split.py" line="30" />
        <source>All studies of one patient go to the same side, so validation measures new patients.</source>
        <translation>同一患者的所有检查划入同一侧，因此验证集衡量的是对新患者的表现。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_split.py" line="47" />
        <source>Finding</source>
        <translation>征象</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_split.py" line="48" />
        <source>Train positive</source>
        <translation>训练集阳性</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_split.py" line="49" />
        <source>Train negative</source>
        <translation>训练集阴性</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_split.py" line="50" />
        <source>Validation positive</source>
        <translation>验证集阳性</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_split.py" line="51" />
        <source>Validation negative</source>
        <translation>验证集阴性</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_split.py" line="58" />
        <source>Validation share</source>
        <translation>验证集比例</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_split.py" line="59" />
        <source>Random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_split.py" line="79" />
        <source>{train} training and {validation} validation studies from {patients} patients</source>
        <translation>来自 {patients} 名患者的 {train} 个训练检查和 {validation} 个验证检查</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_split.py" line="97" />
        <source>No AUROC can be computed for {count} finding(s) because validation lacks positive or negative studies: {names}</source>
        <translation>有 {count} 个征象无法计算 AUROC，因为验证集缺少阳性或阴性检查：{names}</translation>
    </message>
</context>
<context>
    <name>TaskPage</name>
    <message>
        <location filename="../../app/wizard/page_task.py" line="42" />
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="43" />
        <source>Choose what the model should find, or list your own findings.</source>
        <translation>选择模型要识别的征象，或列出您自己的征象。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="45" />
        <source>Chest CT</source>
        <translation>胸部 CT</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="46" />
        <source>Abdominal CT</source>
        <translation>腹部 CT</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="47" />
        <source>Knee MRI</source>
        <translation>膝关节 MRI</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="48" />
        <source>Spine MRI</source>
        <translation>脊柱 MRI</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="49" />
        <source>Custom finding list</source>
        <translation>自定义征象列表</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="62" />
        <source>Name of the custom task, for example lung-nodules</source>
        <translation>自定义任务名称，例如 lung-nodules</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="67" />
        <source>Image type of the studies; sets the preprocessing and input size</source>
        <translation>检查的影像类型；决定预处理方式和输入尺寸</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="72" />
        <source>Finding id</source>
        <translation>征象 ID</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="73" />
        <source>English name</source>
        <translation>英文名称</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="74" />
        <source>Chinese name</source>
        <translation>中文名称</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="75" />
        <source>English synonyms (comma-separated)</source>
        <translation>英文同义词（逗号分隔）</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="76" />
        <source>Chinese synonyms (comma-separated)</source>
        <translation>中文同义词（逗号分隔）</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="80" />
        <source>Add finding</source>
        <translation>添加征象</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="81" />
        <source>Remove finding</source>
        <translation>删除征象</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="139" />
        <source>Row {row}: the finding id '{id}' is invalid. Use lower-case letters, digits and underscores, starting with a letter (for example pleural_effusion).</source>
        <translation>第 {row} 行：征象 ID“{id}”无效。请使用小写字母、数字和下划线，并以字母开头（例如 pleural_effusion）。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="145" />
        <source>Row {row}: the finding id '{id}' is used twice.</source>
        <translation>第 {row} 行：征象 ID“{id}”重复。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_task.py" line="171" />
        <source>Add at least one finding to the custom finding list.</source>
        <translation>请在自定义征象列表中至少添加一个征象。</translation>
    </message>
</context>
<context>
    <name>TrainPage</name>
    <message>
        <location filename="../../app/wizard/page_train.py" line="47" />
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="49" />
        <source>Training runs in its own process; you can close this window and come back later.</source>
        <translation>训练在独立进程中运行；您可以关闭此窗口，稍后再回来查看。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="59" />
        <source>Training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="60" />
        <location filename="../../app/wizard/page_train.py" line="69" />
        <source>Epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="62" />
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="64" />
        <source>epoch mean</source>
        <translation>每轮均值</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="68" />
        <source>Validation AUROC</source>
        <translation>验证集 AUROC</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="76" />
        <location filename="../../app/wizard/page_train.py" line="219" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="79" />
        <source>Cancel training</source>
        <translation>取消训练</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="81" />
        <source>Resume from last checkpoint</source>
        <translation>从最后一个检查点继续</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="143" />
        <source>Training started</source>
        <translation>训练已开始</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="156" />
        <source>Stage {stage}, epoch {epoch}</source>
        <translation>阶段 {stage}，第 {epoch} 轮</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="160" />
        <source>Time left: {minutes:.0f} min {seconds:.0f} s</source>
        <translation>剩余时间：{minutes:.0f} 分 {seconds:.0f} 秒</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="188" />
        <source>Checkpoint saved: {path}</source>
        <translation>检查点已保存：{path}</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="190" />
        <source>Warning: {message}</source>
        <translation>警告：{message}</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="192" />
        <source>Error: {message}</source>
        <translation>错误：{message}</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="202" />
        <source>Device memory: {memory:.0f} MiB</source>
        <translation>设备显存：{memory:.0f} MiB</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="207" />
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="208" />
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="209" />
        <source>Finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="210" />
        <source>Cancelled; the last checkpoint is kept and can be resumed.</source>
        <translation>已取消；最后一个检查点已保留，可继续训练。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="211" />
        <source>Failed; see the log below. You can resume from the last checkpoint.</source>
        <translation>失败；请查看下方日志。可从最后一个检查点继续训练。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="213" />
        <source>Interrupted: the training process stopped. Resume from the last checkpoint.</source>
        <translation>已中断：训练进程已停止。请从最后一个检查点继续训练。</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="215" />
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="219" />
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../app/wizard/page_train.py" line="234" />
        <source>Cancelling: the training process saves a checkpoint and stops.</source>
        <translation>正在取消：训练进程会保存检查点后停止。</translation>
    </message>
</context>
<context>
    <name>TrainingWizard</name>
    <message>
        <location filename="../../app/wizard/wizard.py" line="61" />
        <source>Train a model</source>
        <translation>训练模型</translation>
    </message>
    <message>
        <location filename="../../app/wizard/wizard.py" line="85" />
        <source>Show results</source>
        <translation>查看结果</translation>
    </message>
    <message>
        <location filename="../../app/wizard/wizard.py" line="112" />
        <source>A training job started on {date} is still running. Show its progress?</source>
        <translation>{date} 开始的训练任务仍在运行。是否查看其进度？</translation>
    </message>
    <message>
        <location filename="../../app/wizard/wizard.py" line="114" />
        <source>A training job started on {date} was interrupted. Show it so you can resume it?</source>
        <translation>{date} 开始的训练任务已中断。是否打开以便继续训练？</translation>
    </message>
    <message>
        <location filename="../../app/wizard/wizard.py" line="118" />
        <source>Training job</source>
        <translation>训练任务</translation>
    </message>
    <message>
        <location filename="../../app/wizard/wizard.py" line="134" />
        <source>Training is running</source>
        <translation>训练正在运行</translation>
    </message>
    <message>
        <location filename="../../app/wizard/wizard.py" line="136" />
        <source>Keep training in the background after closing this window? Choose No to stop it; it saves a checkpoint that you can resume later.</source>
        <translation>关闭此窗口后是否在后台继续训练？选择“否”将停止训练，并保存检查点以便之后继续。</translation>
    </message>
</context>
</TS>